package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/atomicfile"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signjob"
)

// signArgs are `ponte sign`'s flags.
type signArgs struct {
	in, out, format, visible, certID, cardID, chain *string
	accept                                          *bool
	tsa                                             tsaFlags
}

func signFlags() (*flag.FlagSet, *signArgs) {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	return fs, &signArgs{
		in:      fs.String("in", "", "file da firmare / file to sign"),
		out:     fs.String("out", "", "file firmato da scrivere / signed file to write"),
		format:  fs.String("format", "", "pades (PDF), cades (.p7m), p7s (separata / detached); default dal file / from the file"),
		visible: fs.String("visible", "", "firma visibile / visible signature: PAGE,X,Y,W,H (punti PDF / PDF points)"),
		tsa:     addTSAFlags(fs),
		certID:  fs.String("cert", "", "ID del certificato (ponte cards) / certificate ID"),
		cardID:  fs.String("card", "", "ID della tessera, se più d'una / card ID, if more than one"),
		chain:   fs.String("chain", "", "certificati intermedi (PEM) da includere / intermediates (PEM) to include"),
		accept:  fs.Bool("accept-warnings", false, "firma anche con gli avvisi sul certificato / sign despite certificate warnings"),
	}
}

// signCmd: `ponte sign --in FILE --out FILE [--format pades|cades|p7s] [--visible PAGE,X,Y,W,H] [--tsa URL
// [--tsa-user U] [--tsa-password-file F]] [--cert ID] [--card ID] [--chain PEM] [--accept-warnings]`. The
// output folder is checked and the document prepared (and bad input refused) before the PIN is asked;
// the card signs one digest; the output appears only complete (temporary file, rename), and not at all
// when the file changed after it was hashed.
func signCmd(ctx context.Context, args []string, stdin io.Reader, out, errw io.Writer) error {
	fs, a := signFlags()
	if err := fs.Parse(args); err != nil {
		return err
	}
	in, outPath, format, visible, certID, cardID, chainPEM, accept := a.in, a.out, a.format, a.visible, a.certID, a.cardID, a.chain, a.accept
	if *in == "" || *outPath == "" {
		return errors.New("servono --in e --out / --in and --out are required")
	}
	if same, _ := sameFile(*in, *outPath); same {
		return errors.New("--out deve essere un file diverso da --in / --out must differ from --in")
	}
	output, err := reserveOutput(*outPath) // before the card: a missing folder costs no PIN
	if err != nil {
		return err
	}
	defer output.abort()
	var app *pades.Appearance
	if *visible != "" {
		var err error
		if app, err = parseVisible(*visible); err != nil {
			return err
		}
	}
	var pool []*x509.Certificate
	if *chainPEM != "" {
		var err error
		if pool, err = readPEMCerts(*chainPEM); err != nil {
			return err
		}
	}
	src, err := docio.OpenFile(*in)
	if err != nil {
		return err
	}
	defer src.Close()
	if *format, err = signjob.Choose(src, *in, *format); err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	if app != nil && *format != signjob.PAdES {
		return errors.New("--visible vale solo per i PDF / --visible applies to PDFs only")
	}

	h, err := connect(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	card, err := pickCard(ctx, h, *cardID)
	if err != nil {
		return err
	}
	cert, err := signjob.Pick(card, *certID, pool, time.Now())
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	fmt.Fprintf(errw, "Certificato / certificate: %s (%s)\n", cert.Choice.Certificate.Subject.CommonName, cert.Info.Role)
	for _, w := range cert.Choice.Warnings {
		fmt.Fprintf(errw, "ATTENZIONE / WARNING: %s\n  %s\n", w.IT, w.EN)
	}
	if len(cert.Choice.Warnings) > 0 && !*accept {
		return errors.New("firma non eseguita: rileggere gli avvisi e ripetere con --accept-warnings per firmare comunque / not signed: read the warnings and repeat with --accept-warnings to sign anyway")
	}
	o := signjob.Options{Format: *format, Visible: app}
	sec := newSecrets(stdin, errw)
	if tsa, err := a.tsa.client(sec); err != nil { // a password asked comes before the PIN
		return err
	} else if tsa != nil {
		o.TSA = tsa
	}
	job, err := signjob.Prepare(ctx, src, cert, o)
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}

	pin, err := sec.read("PIN")
	if err != nil {
		return err
	}
	hc := hostcard.New(h, card.ID)
	if _, err := hc.Login(ctx, pin); err != nil { // one try: never retried
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	defer hc.Logout(context.Background())
	var ask hostcard.PINFunc
	if signjob.AlwaysAuthenticate(ctx, hc, cert) {
		ask = func() (protocol.Secret, error) { return sec.read("PIN di firma / signature PIN") }
	}
	signer := hc.Signer(ctx, cert.Info.ID, cert.Choice.Certificate.PublicKey, ask)
	sig, err := signer.Sign(nil, job.Digest(), job.SignerOpts())
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	parts, err := job.Finish(ctx, sig)
	if err != nil {
		return errors.New(signjob.Bilingual(err, catIT, catEN))
	}
	if err := output.commit(src, parts); err != nil {
		return err
	}
	fmt.Fprintf(out, "Firmato / signed: %s (%s)\n", *outPath, *format)
	return nil
}

// pickCard returns the card named id, or the only card with a PKCS#11 token.
func pickCard(ctx context.Context, h hostcard.Caller, id string) (*protocol.Card, error) {
	readers, err := hostcard.List(ctx, h)
	if err != nil {
		return nil, err
	}
	var found []*protocol.Card
	for _, r := range readers {
		if r.Card == nil || r.Card.Token == nil || (id != "" && r.Card.ID != id) {
			continue
		}
		found = append(found, r.Card)
	}
	switch {
	case len(found) == 0 && id != "":
		return nil, fmt.Errorf("tessera %s non trovata / card %s not found", id, id)
	case len(found) == 0:
		return nil, errors.New("nessuna tessera utilizzabile per firmare (PKCS#11) / no card usable for signing (PKCS#11)")
	case len(found) > 1:
		return nil, errors.New("più tessere inserite: sceglierne una con --card (ponte cards) / several cards: choose one with --card (ponte cards)")
	}
	return found[0], nil
}

func parseVisible(s string) (*pades.Appearance, error) {
	f := strings.Split(s, ",")
	bad := errors.New("--visible vuole PAGINA,X,Y,L,A (es. 1,50,50,200,60) / --visible wants PAGE,X,Y,W,H (e.g. 1,50,50,200,60)")
	if len(f) != 5 {
		return nil, bad
	}
	var v [5]float64
	for i, x := range f {
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || !(n >= 0) || math.IsInf(n, 0) || n > 1e6 { // NaN fails n >= 0
			return nil, bad
		}
		v[i] = n
	}
	if v[0] < 1 || v[0] != float64(int(v[0])) || v[3] <= 0 || v[4] <= 0 {
		return nil, bad
	}
	return &pades.Appearance{Page: int(v[0]), Left: v[1], Bottom: v[2], Width: v[3], Height: v[4]}, nil
}

func readPEMCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := signjob.ParsePEMCerts(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: nessun certificato PEM / no PEM certificate", path)
	}
	return out, nil
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// writeAtomic writes the parts to a temporary file next to path and renames it into place: a reader of
// path never sees a half-written file, and a failure leaves nothing behind. The file gets the mode any
// new file of the user gets (0666 less the umask).
func writeAtomic(path string, src docio.Source, parts []docio.Part) error {
	out, err := reserveOutput(path)
	if err != nil {
		return err
	}
	return out.commit(src, parts)
}

// pendingOutput is an output whose temporary file (next to it) exists already: reserved before the card
// or the TSA is asked, so a missing or unwritable folder is found first and nothing else is lost.
type pendingOutput struct {
	path string
	tmp  *os.File
}

func reserveOutput(path string) (*pendingOutput, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("la cartella di destinazione %s non esiste / the output folder %s does not exist", dir, dir)
	}
	tmp, err := atomicfile.CreateTemp(dir, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("impossibile scrivere nella cartella %s / cannot write in the folder %s (%w)", dir, dir, err)
	}
	return &pendingOutput{path: path, tmp: tmp}, nil
}

// commit writes the parts, syncs, and renames the file into place, unless the source file changed since
// it was opened (hashed, signed, time-stamped): then nothing is written.
func (p *pendingOutput) commit(src docio.Source, parts []docio.Part) (err error) {
	defer func() {
		if err != nil {
			p.abort()
		}
	}()
	if err = docio.WriteParts(p.tmp, src, parts); err != nil {
		return err
	}
	if err = p.tmp.Sync(); err != nil {
		return err
	}
	if err = p.tmp.Close(); err != nil {
		return err
	}
	if f, ok := src.(*docio.File); ok {
		if f.Unchanged() != nil {
			return errors.New("il file di partenza è cambiato dopo essere stato letto: nulla è stato scritto, ripetere / " +
				"the source file changed after it was read: nothing was written, try again")
		}
	}
	return os.Rename(p.tmp.Name(), p.path)
}

// abort removes the temporary file (idempotent).
func (p *pendingOutput) abort() {
	p.tmp.Close()
	os.Remove(p.tmp.Name())
}
