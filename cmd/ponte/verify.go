package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/sigverify"
)

// verifyCmd: `ponte verify FILE [--detached ORIGINAL] [--content OUT] [--anchors PEM] [--profile P.json]
// [--lang it|en] [--offline] [--tsl-url URL|off] [--tsl-signer PEM] [--revision N OUT]`. --content writes the
// document inside a .p7m (whatever the verdict: the report and the exit status say whether to trust it);
// --revision writes the PDF as signature N signed it, to see what was signed before later changes.
// Revocation is checked by OCSP (RFC 6960) unless --offline (which also uses the cached trusted list only).
// Every signature is reported with its verdict; the document gets the worst. Exit status (docs/signing.md,
// "Verdicts and exit codes"): 0 VALIDA or VALIDA CON AVVERTENZE, 1 NON VALIDA, 2 NON VERIFICABILE (also
// when the file cannot be read as a signed file). Trust anchors: the PEM files and CA profiles given, and the AgID trusted list (trust.go).
func verifyCmd(args []string, out io.Writer) error {
	if err := verifyRun(args, out); err != nil {
		var ec exitError
		if !errors.As(err, &ec) {
			return exitError{2, err}
		}
		return err
	}
	return nil
}

// verifyArgs are `ponte verify`'s flags.
type verifyArgs struct {
	detached, content, lang, tslURL   *string
	revision                          *int
	offline                           *bool
	anchorFiles, profiles, tslSigners multi
}

func verifyFlags() (*flag.FlagSet, *verifyArgs) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	a := &verifyArgs{
		detached: fs.String("detached", "", "il file originale di una firma .p7s o di una marca .tsr / the original of a .p7s or a .tsr"),
		revision: fs.Int("revision", 0, "scrivi in OUT la versione firmata dalla firma N (PDF) / write the revision signature N signed to OUT (PDF)"),
		content:  fs.String("content", "", "scrivi qui il documento contenuto nel .p7m (.m7m, .tsd) / write the document inside the .p7m (.m7m, .tsd) here"),
		lang:     fs.String("lang", "it", "lingua del rapporto (it, en) / report language"),
		offline:  fs.Bool("offline", false, "non controllare la revoca (OCSP), elenco di fiducia solo dalla cache / no OCSP, trusted list from the cache only"),
		tslURL:   fs.String("tsl-url", defaultTSLURL(), "elenco di fiducia (ETSI TS 119 612), \"off\" per non usarlo / trusted list URL, \"off\" not to use it"),
	}
	fs.Var(&a.anchorFiles, "anchors", "certificati di fiducia (PEM), ripetibile / trust anchors (PEM), repeatable")
	fs.Var(&a.profiles, "profile", "profilo CA (JSON) le cui radici sono di fiducia, ripetibile / CA profile whose anchors are trusted")
	fs.Var(&a.tslSigners, "tsl-signer", "certificato (PEM) che firma l'elenco, invece di quelli AgID / list signer certificate instead of AgID's")
	return fs, a
}

func verifyRun(args []string, out io.Writer) error {
	fs, a := verifyFlags()
	detached, revision, content, lang, offline, tslURL := a.detached, a.revision, a.content, a.lang, a.offline, a.tslURL
	anchorFiles, profiles, tslSigners := &a.anchorFiles, &a.profiles, &a.tslSigners
	// The file may come before the flags (ponte verify FILE --detached X).
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
	}
	var revOut string
	if *revision != 0 && len(rest) == 1 {
		revOut, rest = rest[0], nil
	}
	if file == "" || len(rest) > 0 || (*revision != 0 && revOut == "") {
		return errors.New("uso / usage: ponte verify FILE [--detached ORIGINAL] [--anchors PEM] [--profile P.json] [--revision N OUT]")
	}
	if same, _ := sameFile(file, revOut); revOut != "" && same {
		return errors.New("--revision: OUT deve essere un file diverso da quello verificato / OUT must differ from the verified file")
	}
	if same, _ := sameFile(file, *content); *content != "" && same {
		return errors.New("--content deve essere un file diverso da quello verificato / --content must differ from the verified file")
	}
	var anchors, profileCerts []*x509.Certificate
	for _, f := range *anchorFiles {
		certs, err := readPEMCerts(f)
		if err != nil {
			return err
		}
		anchors = append(anchors, certs...)
	}
	for _, f := range *profiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p, err := renew.ParseProfile(b)
		if err != nil {
			return err
		}
		certs, err := signjob.ProfileAnchors(p)
		if err != nil {
			return err
		}
		profileCerts = append(profileCerts, certs...)
	}
	opts := cms.VerifyOptions{}
	list, listErr := trustedList(context.Background(), *tslURL, *tslSigners, *offline)
	if a := verifyAnchors(anchors, profileCerts, list, listErr); a != nil {
		opts.Anchors = a
	}
	src, err := docio.OpenFile(file)
	if err != nil {
		return err
	}
	defer src.Close()
	var det docio.Source
	if *detached != "" {
		d, err := docio.OpenFile(*detached)
		if err != nil {
			return err
		}
		defer d.Close()
		det = d
	}
	rep, err := sigverify.File(src, det, opts)
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	if *content != "" && rep.Content == nil {
		return errors.New("--content: solo una busta .p7m (o .m7m, .tsd) contiene il documento / only a .p7m (or .m7m, .tsd) envelope holds the document")
	}
	if !*offline {
		sigverify.CheckRevocation(context.Background(), rep, opts, &revocation.Checker{})
	}
	fmt.Fprint(out, signjob.ReportText(filepath.Base(file), rep, *lang))
	if *content != "" {
		if err := writeAtomic(*content, rep.ContentSource(src), rep.ContentParts()); err != nil {
			return err
		}
		fmt.Fprintf(out, "Documento scritto / document written: %s\n", *content)
	}
	if revOut != "" {
		if err := writeRevision(rep, *revision, revOut, src); err != nil {
			return err
		}
		fmt.Fprintf(out, "Versione firmata dalla firma %d scritta / revision signed by signature %d written: %s\n", *revision, *revision, revOut)
	}
	if len(rep.Signers) == 0 && len(rep.Stamps) == 0 && rep.Inner == nil {
		return errors.New("nessuna firma / no signature")
	}
	v := rep.Verdict()
	if code := v.ExitCode(); code != 0 {
		return exitError{code, fmt.Errorf("esito / result: %s / %s (%s %s)", signjob.LevelText(v.Level, "it"),
			signjob.LevelText(v.Level, "en"), v.Indication, v.SubIndication)}
	}
	return nil
}

// writeRevision writes the bytes signature n (1-based, in the report's order) signs: the file up to the
// end of its /ByteRange, the document as it was signed (ISO 32000-1 §12.8.1).
func writeRevision(rep *sigverify.Report, n int, path string, src docio.Source) error {
	if rep.Format != sigverify.FormatPDF {
		return errors.New("--revision: solo per i PDF / PDF only")
	}
	if n < 1 || n > len(rep.Signers) {
		return fmt.Errorf("--revision: la firma %d non esiste, il documento ne ha %d / signature %d does not exist, the document has %d", n, len(rep.Signers), n, len(rep.Signers))
	}
	r, ok := rep.Signers[n-1].PDF.SignedRevision()
	if !ok {
		return fmt.Errorf("--revision: l'intervallo firmato della firma %d non è valido / signature %d's byte range is not valid", n, n)
	}
	return writeAtomic(path, src, []docio.Part{{Range: r}})
}

type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// signVerify dispatches `ponte sign` and `ponte verify` (one line in main's switch).
func signVerify(ctx context.Context, args []string, stdin io.Reader, out, errw io.Writer) error {
	if args[0] == "sign" {
		return signCmd(ctx, args[1:], stdin, out, errw)
	}
	return verifyCmd(args[1:], out)
}
