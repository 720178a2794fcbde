package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/tsfile"
)

// timestampArgs are `ponte timestamp`'s flags.
type timestampArgs struct {
	in, out *string
	tsa     tsaFlags
	anchors multi
}

func timestampFlags() (*flag.FlagSet, *timestampArgs) {
	fs := flag.NewFlagSet("timestamp", flag.ContinueOnError)
	a := &timestampArgs{
		in:  fs.String("in", "", "file da marcare (per un .m7m: la busta .p7m) / file to time-stamp (for an .m7m: the .p7m)"),
		out: fs.String("out", "", "file da scrivere: .tsr, .tsd o .m7m (il formato dall'estensione) / file to write: .tsr, .tsd or .m7m (format from the extension)"),
		tsa: addTSAFlags(fs),
	}
	fs.Var(&a.anchors, "anchors", "radici (PEM) di cui deve fidarsi la TSA, ripetibile / roots (PEM) the TSA must chain to, repeatable")
	return fs, a
}

// timestampCmd: `ponte timestamp --tsa URL [--tsa-user U --tsa-password-file F] --in FILE --out
// FILE.tsr|FILE.tsd|FILE.m7m [--anchors PEM]`. The TSA is asked for a token over the file's SHA-256; the
// output appears only complete, and not at all when the file changed meanwhile.
func timestampCmd(ctx context.Context, args []string, stdin io.Reader, out, errw io.Writer) error {
	fs, a := timestampFlags()
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind := tsfile.KindOfName(*a.out)
	switch {
	case *a.in == "" || *a.out == "":
		return errors.New("servono --in e --out / --in and --out are required")
	case *a.tsa.url == "":
		return errors.New("serve --tsa (o PONTE_TSA) / --tsa (or PONTE_TSA) is required")
	case kind == "":
		return errors.New("--out deve finire in .tsr, .tsd o .m7m / --out must end in .tsr, .tsd or .m7m")
	}
	if same, _ := sameFile(*a.in, *a.out); same {
		return errors.New("--out deve essere un file diverso da --in / --out must differ from --in")
	}
	client, err := a.tsa.client(newSecrets(stdin, errw))
	if err != nil {
		return err
	}
	for _, f := range a.anchors {
		certs, err := readPEMCerts(f)
		if err != nil {
			return err
		}
		client.Anchors = append(anchorsOf(client.Anchors), certs...)
	}
	output, err := reserveOutput(*a.out)
	if err != nil {
		return err
	}
	defer output.abort()
	src, err := docio.OpenFile(*a.in)
	if err != nil {
		return err
	}
	defer src.Close()
	parts, err := tsfile.Create(ctx, src, *a.in, kind, client)
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	if err := output.commit(src, parts); err != nil {
		return err
	}
	fmt.Fprintf(out, "Marca temporale scritta / time stamp written: %s (%s)\n", *a.out, kind)
	return nil
}

func anchorsOf(a cms.TrustAnchors) cms.StaticAnchors {
	s, _ := a.(cms.StaticAnchors)
	return s
}
