// Package signjob is one document signature as the browser page and `ponte sign` run it: which card
// certificate signs (signcert), the format chosen for the file (PAdES for a PDF, CAdES .p7m / .p7s for
// anything, a parallel signature for an existing .p7m), the preparation that yields the one digest the
// card signs, and the finished output as docio parts. It is platform-neutral: natively the source is a
// file, in WASM a Blob.
package signjob

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/signcert"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsfile"
	"github.com/ponte-it/ponte/internal/tsl"
	"github.com/ponte-it/ponte/internal/tsp"
	vocab "github.com/ponte-it/ponte/internal/words" // the package-level words is the report's table (report.go)
)

// Formats.
const (
	PAdES    = "pades"    // a PDF, signed by an incremental update (ETSI EN 319 142-1)
	CAdES    = "cades"    // an enveloping .p7m (ETSI EN 319 122-1); a parallel signature for a .p7m
	Detached = "p7s"      // a detached .p7s next to the file
	Parallel = "parallel" // one more signer on an existing .p7m (RFC 5652 §5.1)
)

// Cert is the chosen certificate with what the card knows of it.
type Cert struct {
	Card   *protocol.Card
	Info   protocol.Certificate
	Choice *signcert.Choice
	Chain  []*x509.Certificate
}

// Pick chooses the card's signing certificate: certID when given, else signcert.Choose (the qualified
// signature certificate, or the CNS authentication one with its warning). pool completes the chain
// (the card's other certificates are added; bundled anchors and intermediates may be given).
func Pick(card *protocol.Card, certID string, pool []*x509.Certificate, now time.Time) (*Cert, error) {
	var certs []*x509.Certificate
	infos := map[*x509.Certificate]protocol.Certificate{}
	var all []*x509.Certificate
	for _, c := range card.Certificates {
		x, err := x509.ParseCertificate(c.DER)
		if err != nil {
			continue
		}
		all = append(all, x)
		// HasKey is not required: many tokens (SoftHSM, several card modules) show private keys only
		// after login; a certificate with a CKA_ID comes from the token, and the card refuses to sign
		// with a key it does not have.
		if c.ID == "" || (certID != "" && c.ID != certID) {
			continue
		}
		certs = append(certs, x)
		infos[x] = c
	}
	if len(certs) == 0 {
		if certID != "" {
			return nil, signerr.New(signerr.BadCertificate,
				fmt.Sprintf("La tessera non ha il certificato %s con la sua chiave.", certID),
				fmt.Sprintf("The card has no certificate %s with its key.", certID), nil)
		}
		return nil, signerr.New(signerr.BadCertificate,
			"La tessera non ha certificati con chiave privata utilizzabili per firmare.",
			"The card has no certificate with a private key that can sign.", nil)
	}
	var choice *signcert.Choice
	if certID != "" {
		choice = &signcert.Choice{Certificate: certs[0], Warnings: signcert.Check(certs[0], now)}
		choice.Qualified = certs[0].KeyUsage&x509.KeyUsageContentCommitment != 0
	} else {
		var err error
		if choice, err = signcert.Choose(certs, now); err != nil {
			return nil, err
		}
	}
	chain := signcert.CompleteChain(choice.Certificate, append(all, pool...))
	return &Cert{Card: card, Info: infos[choice.Certificate], Choice: choice, Chain: chain}, nil
}

// Holder is the name for the visible signature: the card's holder, else the certificate's CN.
func (c *Cert) Holder() string {
	if h := c.Card.Holder; h != nil && h.Surname != "" {
		return strings.TrimSpace(h.Surname + " " + h.Name)
	}
	return PersonName(c.Choice.Certificate)
}

// PersonName is the holder named by a certificate: surname (2.5.4.4) and givenName (2.5.4.42), which
// CNS and signature certificates carry (their CN is the fiscal code and a hash), else the CN.
func PersonName(x *x509.Certificate) string {
	var given, sur string
	for _, n := range x.Subject.Names {
		switch s, _ := n.Value.(string); {
		case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 42}):
			given = s
		case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}):
			sur = s
		}
	}
	if sur != "" {
		return strings.TrimSpace(sur + " " + given)
	}
	return x.Subject.CommonName
}

// Detect names the format for a file from its first bytes and name: PAdES for a PDF, Parallel for a
// .p7m or .p7s (a CMS SignedData), CAdES otherwise.
func Detect(src docio.Source, name string) (string, error) {
	head, err := docio.ReadRange(src, docio.Range{Off: 0, Len: min(src.Size(), 1024)})
	if err != nil {
		return "", err
	}
	switch {
	case bytes.Contains(head, []byte("%PDF-")):
		return PAdES, nil
	case strings.HasSuffix(strings.ToLower(name), ".pdf"):
		return "", signerr.New(signerr.NotPDF,
			"Il file si chiama .pdf ma non è un PDF: non è stato firmato.",
			"The file is named .pdf but is not a PDF: it was not signed.", nil)
	case strings.HasSuffix(strings.ToLower(name), ".p7m"), strings.HasSuffix(strings.ToLower(name), ".p7s"):
		// An existing signature gets one more signer; a detached .p7s without its document is refused
		// by cms.PrepareParallel with its own message, a file that is not CMS with BAD_CMS.
		return Parallel, nil
	}
	return CAdES, nil
}

// Choose is the format a file is signed in, for the Firma page and `ponte sign` alike: the requested
// one, or the detected one when none was asked; CAdES asked for a file that is already a CMS signature
// (.p7m, .p7s) adds one more signer to it (RFC 5652 §5.1) instead of wrapping the signature in another.
// A file named .pdf that is not a PDF is refused whatever was asked (Detect).
func Choose(src docio.Source, name, requested string) (string, error) {
	detected, err := Detect(src, name)
	switch {
	case err != nil:
		return "", err
	case requested == "":
		return detected, nil
	case requested == CAdES && detected == Parallel:
		return Parallel, nil
	}
	return requested, nil
}

// OutputName is the usual name of the signed file: name.p7m, name.p7s, name-firmato.pdf.
func OutputName(name, format string) string {
	switch format {
	case CAdES:
		return name + ".p7m"
	case Detached:
		return name + ".p7s"
	case Parallel:
		return name
	}
	base := strings.TrimSuffix(name, ".pdf")
	base = strings.TrimSuffix(base, ".PDF")
	return base + "-firmato.pdf"
}

// ContentName names the document taken out of a .p7m: its name without ".p7m" in any case (atto.pdf.p7m
// → atto.pdf, atto.pdf.p7m.p7m → atto.pdf.p7m, whose signatures are verified in turn); a name without
// it gets "contenuto-" in front.
func ContentName(name string) string {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	// An .m7m (a .p7m and its time stamp) and a .tsd (RFC 5544) give back their document as a .p7m does.
	for _, ext := range []string{".p7m", ".m7m", ".tsd"} {
		if len(base) > len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
			return base[:len(base)-len(ext)]
		}
		if strings.EqualFold(base, ext) {
			base = "."
		}
	}
	if base == "." || base == "/" {
		base = "documento"
	}
	return "contenuto-" + base
}

// RevisionName names the revision signature n of a PDF signed: "contratto.pdf" → "contratto-firma-2.pdf".
func RevisionName(name string, n int) string {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" {
		base = "documento.pdf"
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	return fmt.Sprintf("%s-firma-%d.pdf", stem, n)
}

// Options for one job.
type Options struct {
	Format  string
	Visible *pades.Appearance // PAdES only; nil: invisible
	Time    time.Time
	TSA     cms.TimeStamper // nil: B-B; set: B-T
}

// Job is a prepared signature waiting for the card.
type Job struct {
	Format  string
	pdf     *pades.Prepared
	file    *cms.FileSigning
	tsa     cms.TimeStamper
	hashed  chan struct{} // closed once the document is hashed (Start's goroutine), with hashErr set
	hashErr error
	// env is the decoded envelope of a .p7m that came as base64 text (Parallel): the output's parts are
	// taken from it, so the result is the binary .p7m with one more signer.
	env docio.Source
}

// Prepare reads what it needs of src, refuses bad input (signerr codes) and hashes the document: nothing
// has been asked of the card yet. It is Start, then Wait.
func Prepare(ctx context.Context, src docio.Source, c *Cert, o Options) (*Job, error) {
	j, err := Start(ctx, src, c, o)
	if err != nil {
		return nil, err
	}
	if err := j.Wait(); err != nil {
		return nil, err
	}
	return j, nil
}

// Start does Prepare's checks on src and returns as soon as they pass, the hashing of the document
// going on in the background (for a large file the longest part: it overlaps the PIN and the card's
// login). Wait returns when it is done; Digest, SignerOpts and Finish are for after Wait returned nil.
// Bad input is refused by Start itself, before any PIN, for a PDF and for a p7m to countersign in
// parallel; CAdES of any other file has nothing to check but the reading.
func Start(ctx context.Context, src docio.Source, c *Cert, o Options) (*Job, error) {
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	j := &Job{Format: o.Format, tsa: o.TSA, hashed: make(chan struct{})}
	var hash func() error
	var err error
	switch o.Format {
	case PAdES:
		po := pades.Options{Chain: c.Chain, Time: o.Time, Name: c.Holder(), Visible: o.Visible, TimeStamper: o.TSA}
		j.pdf, err = pades.Build(ctx, src, po)
		hash = func() error { return j.pdf.Hash() }
	case CAdES, Detached:
		hash = func() (err error) {
			j.file, err = cms.PrepareFile(src, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: c.Chain, SigningTime: o.Time}, Detached: o.Format == Detached})
			return err
		}
	case Parallel:
		env, text, derr := cms.DecodeText(src)
		if derr != nil {
			return nil, derr
		}
		if text {
			j.env = env
		}
		j.file, err = cms.PrepareParallel(env, cms.SignerOptions{Chain: c.Chain, SigningTime: o.Time})
		hash = func() error { return nil }
	default:
		return nil, signerr.New(signerr.BadInput, fmt.Sprintf("Formato %q sconosciuto (pades, cades, p7s).", o.Format),
			fmt.Sprintf("Unknown format %q (pades, cades, p7s).", o.Format), nil)
	}
	if err != nil {
		return nil, err
	}
	go func() {
		j.hashErr = hash()
		close(j.hashed)
	}()
	return j, nil
}

// Wait waits for the document's hash started by Start and returns its error, if any (the same to every
// call).
func (j *Job) Wait() error {
	<-j.hashed
	return j.hashErr
}

// Digest is the SHA-256 the card signs, once (after Wait).
func (j *Job) Digest() []byte {
	if j.pdf != nil {
		return j.pdf.Digest()
	}
	return j.file.Digest()
}

// SignerOpts is what the card signs Digest with (SHA-256, PKCS#1 v1.5 or ECDSA by the key).
func (j *Job) SignerOpts() crypto.SignerOpts {
	if j.pdf != nil {
		return j.pdf.SignerOpts()
	}
	return j.file.Pending.SignerOpts()
}

// Finish embeds the card's signature (and the time stamp) and returns the output parts. After a
// TIMESTAMP failure it may be called again with the same signature, or after DropTimeStamp.
func (j *Job) Finish(ctx context.Context, sig []byte) ([]docio.Part, error) {
	if err := j.Wait(); err != nil {
		return nil, err
	}
	if j.pdf != nil {
		r, err := j.pdf.Finish(ctx, sig)
		if err != nil {
			return nil, err
		}
		return r.Parts, nil
	}
	parts, err := j.file.Finish(ctx, sig, j.tsa)
	if err != nil || j.env == nil {
		return parts, err
	}
	for i, p := range parts { // the decoded envelope is in memory: its bytes go into the output itself
		if p.Data == nil {
			if parts[i].Data, err = docio.ReadRange(j.env, p.Range); err != nil {
				return nil, err
			}
		}
	}
	return parts, nil
}

// DropTimeStamp makes the next Finish produce a signature without time stamp (B-B / CAdES-BES).
func (j *Job) DropTimeStamp() {
	j.tsa = nil
	if j.pdf != nil {
		j.pdf.DropTimeStamp()
	}
}

// Message is err in cat's language: the engine's own text for signerr codes, the catalogue's words for
// errors that carry codes (host errors), else the error itself.
func Message(err error, cat *vocab.Catalog) string {
	var se *signerr.Error
	if errors.Is(err, tsp.ErrUnauthorized) { // whichever step asked the TSA: the credentials are the cause
		errors.As(tsfile.TimeStampError(err), &se)
	}
	if se == nil {
		if w := vocab.Of(err); w != nil && !errors.As(err, &se) {
			return cat.Say(w...)
		}
	}
	if se != nil {
		return signText(se, err, cat.Lang)
	}
	return errText(err, cat.Lang)
}

// errText is a signerr error's own text in lang, else the error itself.
func errText(err error, lang string) string {
	var se *signerr.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	return signText(se, err, lang)
}

// signText is the signerr error se's own text in lang; err is the whole error, which may say which
// service the browser refused.
func signText(se *signerr.Error, err error, lang string) string {
	// A service the browser refused for lack of a host permission (the TSA): say which (netperm).
	if d := netperm.As(err); d != nil {
		if lang == "en" {
			return se.EN + " " + d.EN() + "."
		}
		return se.IT + " " + d.IT() + "."
	}
	if lang == "en" {
		return se.EN
	}
	return se.IT
}

// Bilingual is err as "Italian / English" from the catalogues it and en, for the command line.
func Bilingual(err error, it, en *vocab.Catalog) string {
	itText, enText := Message(err, it), Message(err, en)
	s := itText + " / " + enText
	if itText == enText {
		s = itText
	}
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Message != "" {
		s += " (" + pe.Message + ")"
	}
	return s
}

// ProfileAnchors are the trust anchors of a CA profile (its PEM "anchors"), used to judge signatures of
// that CA's certificates alongside the AgID trusted list.
func ProfileAnchors(p *renew.Profile) ([]*x509.Certificate, error) {
	return ParsePEMCerts([]byte(p.Anchors))
}

// ParsePEMCerts reads every CERTIFICATE block of b.
func ParsePEMCerts(b []byte) ([]*x509.Certificate, error) { return tsl.ParsePEM(b) }

// AlwaysAuthenticate says whether the chosen key asks the PIN again for each signature
// (CKA_ALWAYS_AUTHENTICATE, PKCS#11 v2.40 §4.9: context-specific login). Tokens often show private keys
// only after login, so the card is read again once the PIN session is open.
func AlwaysAuthenticate(ctx context.Context, card *hostcard.Card, c *Cert) bool {
	if c.Info.AlwaysAuthenticate {
		return true
	}
	info, err := card.Info(ctx)
	if err != nil {
		return false
	}
	for _, x := range info.Certificates {
		if x.ID == c.Info.ID {
			c.Info = x
			return x.AlwaysAuthenticate
		}
	}
	return false
}
