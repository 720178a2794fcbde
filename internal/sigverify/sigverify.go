// Package sigverify verifies any signed file Ponte handles — a PDF (PAdES and other PDF signatures), an
// enveloping .p7m, or a detached .p7s with its file — and returns one report shape for the UI, the
// downloadable report and `ponte verify`.
package sigverify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsfile"
	"github.com/ponte-it/ponte/internal/tsl"
	"github.com/ponte-it/ponte/internal/tsp"
)

// Format of the verified file.
type Format string

const (
	FormatPDF Format = "pdf"
	FormatP7M Format = "p7m"
	FormatP7S Format = "p7s"
)

// Report is the verification of every signature in one file.
type Report struct {
	Format   Format
	Repaired bool // PDF only: damaged cross-references, read by scanning
	Signers  []Signer
	// Content is where the signed document lies inside a .p7m (the eContent, RFC 5652 §5.2: one range
	// per chunk of a BER constructed OCTET STRING), so it can be handed back without being copied.
	Content []docio.Range
	// Envelope is the decoded envelope of a .p7m that came as base64 text (cms.DecodeText): Content
	// lies in it. Nil: Content lies in the file itself.
	Envelope docio.Source
	// Inner is the verification of the document inside a .p7m when that document is itself a .p7m
	// (nested envelopes, verified layer by layer); nil otherwise.
	Inner *Report
	// TooDeep: the document inside is an envelope again, past the levels verified (maxLayers); its
	// signatures are not verified and the document cannot be called valid.
	TooDeep bool
	// Stamps are the time stamps of a time-stamped file (.tsr, .tsd, .m7m) over its data; for a .tsd
	// and an .m7m the signatures of the .p7m inside are Signers (or Inner's).
	Stamps []FileStamp
	// TrustedList is the AgID list the verification used (nil: none; TrustedListErr says why).
	TrustedList    *tsl.Loaded `json:"-"`
	TrustedListErr error       `json:"-"`
}

// Signer is one signature, in the terms the user sees.
type Signer struct {
	Name string
	// Time is the time proven by a trusted time stamp when TimeStamped, otherwise the time the signer
	// claims (signingTime, a PDF's /M), shown as such and never used to validate anything.
	Time        time.Time
	TimeStamped bool // Time comes from a verified time stamp whose TSA is trusted
	// ValidationTime is when the chain and the algorithms were judged: the proven time, or now.
	ValidationTime time.Time
	// UntrustedStamp (Italian) and UntrustedStampEN say why a time stamp present in the signature was not
	// used as a time (its TSA is not trusted, or it does not verify); empty when there is none or it is used.
	UntrustedStamp, UntrustedStampEN string
	Integrity                        bool // the signed data is unchanged and the signature value verifies
	CAdESBES                         bool
	// PDF only: the signature covers the whole file, or what changed after it.
	CoversWholeFile bool
	LaterChanges    string
	Chain           cms.ChainStatus
	ChainDetail     string
	// Revocation is the OCSP answer (or CRL) about the signer's certificate (NotChecked until
	// CheckRevocation); CARevocation the same for each intermediate CA above it, nearest first.
	Revocation   revocation.Result
	CARevocation []CARevocation
	Problems     []string
	PDF          *pades.SignatureReport `json:"-"`
	CMS          *cms.SignerResult      `json:"-"`
	certs        []*x509.Certificate    // certificates carried by the signature (issuer candidates)
	// weakCA names the first CA above the signer whose RSA key is under MinRSABits (weakCABits), "" when none.
	weakCA     string
	weakCABits int

	// AnchorSource and Qualification: which source's anchor validated the chain, and what the AgID list
	// says of the issuing CA (filled when the options' anchors are *Anchors).
	AnchorSource  AnchorSource
	Qualification Qualification
}

// Valid: the signature's Verdict is VALIDA or VALIDA CON AVVERTENZE.
func (s *Signer) Valid() bool {
	return s.Verdict().ExitCode() == 0
}

// ContentSource is where Content's ranges lie: the decoded envelope, or the verified file.
func (r *Report) ContentSource(file docio.Source) docio.Source {
	if r.Envelope != nil {
		return r.Envelope
	}
	return file
}

// ContentParts is the document inside a .p7m as output parts over ContentSource.
func (r *Report) ContentParts() []docio.Part {
	parts := make([]docio.Part, len(r.Content))
	for i, c := range r.Content {
		parts[i] = docio.Part{Range: c}
	}
	return parts
}

// AllValid: at least one signature, and the document's Verdict is VALIDA or VALIDA CON AVVERTENZE.
func (r *Report) AllValid() bool {
	return r.Verdict().ExitCode() == 0
}

// RevokedWhenSigned: the certificate is revoked and no verified time stamp shows the signature predates it.
func (s *Signer) RevokedWhenSigned() bool {
	if s.Revocation.Status != revocation.Revoked {
		return false
	}
	return !s.TimeStamped || !s.Time.Before(s.Revocation.At)
}

// untrustedStamp records a time stamp of time at that is not used as a proof (why: its chain's status).
func (s *Signer) untrustedStamp(at time.Time, why string) {
	when := at.UTC().Format(time.RFC3339)
	s.UntrustedStamp = "datata " + when + ", emessa da un'autorità di marcatura temporale non di fiducia"
	s.UntrustedStampEN = "dated " + when + ", issued by a time-stamping authority that is not trusted (" + why + ")"
}

// CARevocation is the revocation status of an intermediate CA certificate of a signer's chain.
type CARevocation struct {
	Name   string // the CA's common name
	Result revocation.Result
}

// File verifies src. detached is the signed file when src is a .p7s (nil otherwise).
func File(src docio.Source, detached docio.Source, opts cms.VerifyOptions) (*Report, error) {
	rep, err := file(src, detached, opts)
	if err != nil {
		return nil, err
	}
	applyStampPOE(rep, opts)
	for _, layer := range rep.Layers() {
		finish(layer, opts)
	}
	return rep, nil
}

// finish sets each signer's validation time, anchor source, qualification and the list used.
func finish(rep *Report, opts cms.VerifyOptions) {
	for i := range rep.Signers {
		s := &rep.Signers[i]
		switch {
		case !opts.At.IsZero():
			s.ValidationTime = opts.At
		case s.TimeStamped:
			s.ValidationTime = s.Time
		default:
			s.ValidationTime = time.Now()
		}
	}
	for i := range rep.Signers {
		rep.Signers[i].findWeakCA(opts)
	}
	attribute(rep, opts)
	if a, ok := opts.Anchors.(*Anchors); ok {
		rep.TrustedList, rep.TrustedListErr = a.List, a.ListErr
	}
}

func file(src docio.Source, detached docio.Source, opts cms.VerifyOptions) (*Report, error) {
	head, err := docio.ReadRange(src, docio.Range{Off: 0, Len: min(src.Size(), 1024)})
	if err != nil {
		return nil, err
	}
	// A PDF header may follow up to 1 KB of junk (ISO 32000-1 §7.5.2 as viewers read it), but a DER/BER
	// .p7m starts with a SEQUENCE and carries the PDF it envelopes near its start: that is not a PDF.
	// An .m7m carries its .p7m (and the PDF inside) right after its MIME header: read it first.
	if k := tsfile.Detect(head); k != "" {
		return stamped(src, detached, k, opts)
	}
	if len(head) > 0 && head[0] != 0x30 && bytes.Contains(head, []byte("%PDF-")) {
		return pdf(src, opts)
	}
	env, text, err := cms.DecodeText(src)
	if err != nil {
		return nil, err
	}
	sd, err := cms.ParseSource(env)
	if err != nil {
		return nil, err
	}
	if tsfile.IsToken(sd) && !text { // a .tsr holding the bare token (openssl ts -token_out)
		return stamped(src, detached, tsfile.TSR, opts)
	}
	if sd.Detached && detached == nil {
		return nil, signerr.New(signerr.BadInput,
			"Firma separata (.p7s): per verificarla serve anche il file firmato.",
			"Detached signature (.p7s): the signed file is needed to verify it.", errors.New("no content"))
	}
	rep, err := p7m(env, sd, detached, opts)
	if err != nil {
		return nil, err
	}
	if text {
		rep.Envelope = env
	}
	if !sd.Detached {
		inner(rep, env, opts, 1)
	}
	return rep, nil
}

// p7m verifies the signers of the SignedData sd parsed from env.
func p7m(env docio.Source, sd *cms.SignedData, detached docio.Source, opts cms.VerifyOptions) (*Report, error) {
	rep := &Report{Format: FormatP7M, Content: sd.Content}
	if sd.Detached {
		rep.Format = FormatP7S
	}
	results, err := cms.Verify(sd, env, detached, opts)
	if err != nil {
		return nil, err
	}
	for i, r := range results {
		s := Signer{Name: r.Signer, Time: r.SigningTime, Integrity: r.OK(), CAdESBES: r.CAdESBES,
			Chain: r.Chain, ChainDetail: r.ChainDetail, CMS: r, certs: sd.Certs}
		if r.Err != nil {
			s.Problems = append(s.Problems, r.Err.Error())
		}
		// Only a time stamp whose TSA is trusted proves a time (EN 319 102-1 §5.4); any other is reported.
		if tok, err := tsp.SignatureTimeStamp(sd.Signers[i], opts.Anchors); err != nil {
			s.UntrustedStamp, s.UntrustedStampEN = "la marca temporale non si verifica", "the time stamp does not verify ("+err.Error()+")"
		} else if tok != nil && tok.Chain != cms.ChainValid {
			s.untrustedStamp(tok.Info.GenTime, tok.Detail)
		} else if tok != nil {
			s.Time, s.TimeStamped = tok.Info.GenTime, true
			if r.Certificate != nil && opts.At.IsZero() {
				s.Chain, s.ChainDetail = cms.VerifyChain(r.Certificate, append(sd.Certs, opts.Extra...), opts.Anchors, cms.PurposeSignature, tok.Info.GenTime)
			}
		}
		rep.Signers = append(rep.Signers, s)
	}
	return rep, nil
}

func pdf(src docio.Source, opts cms.VerifyOptions) (*Report, error) {
	pr, err := pades.Verify(src, opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Format: FormatPDF, Repaired: pr.Repaired}
	for _, s := range pr.Signatures {
		sig := Signer{Name: s.Signer, Time: s.ClaimedTime,
			Integrity: s.IntegrityOK && s.ByteRangeOK, CAdESBES: s.CAdESBES, CoversWholeFile: s.CoversWholeFile,
			LaterChanges: s.LaterChanges, Chain: s.Chain, ChainDetail: s.ChainDetail,
			Problems: append(append([]string(nil), s.Problems...), s.LaterChangeDetails...), PDF: s, certs: s.Certs}
		// pades judged the chain at the time stamp's time only when its TSA is trusted; an untrusted one
		// is reported and the claimed /M stays a claim.
		if !s.TimeStamp.IsZero() && s.TimeStampChain == cms.ChainValid {
			sig.Time, sig.TimeStamped = s.TimeStamp, true
		} else if !s.TimeStamp.IsZero() {
			sig.untrustedStamp(s.TimeStamp, string(s.TimeStampChain))
		}
		rep.Signers = append(rep.Signers, sig)
	}
	return rep, nil
}

// CheckRevocation asks the OCSP responder of each signer's certificate (RFC 6960) and records the answer
// in the report. The issuer is looked for among the certificates the signature carries, opts.Extra and
// the trust anchors. chk nil leaves every signer NotChecked (offline verification).
func CheckRevocation(ctx context.Context, rep *Report, opts cms.VerifyOptions, chk *revocation.Checker) {
	if chk == nil {
		return
	}
	var anchors []*x509.Certificate
	if opts.Anchors != nil {
		anchors, _ = opts.Anchors.Anchors(cms.PurposeSignature, time.Now())
	}
	for _, layer := range rep.Layers() {
		checkLayer(ctx, layer, opts, chk, anchors)
	}
}

func checkLayer(ctx context.Context, rep *Report, opts cms.VerifyOptions, chk *revocation.Checker, anchors []*x509.Certificate) {
	for i := range rep.Signers {
		s := &rep.Signers[i]
		var cert *x509.Certificate
		if s.PDF != nil {
			cert = s.PDF.Certificate
		} else if s.CMS != nil {
			cert = s.CMS.Certificate
		}
		if cert == nil {
			s.Revocation = revocation.Result{Status: revocation.Unavailable, Detail: "no signer certificate"}
			continue
		}
		// Without a path to an anchor the addresses in the certificate are the signer's own: asking them
		// proves nothing and tells a stranger the file was opened (the verdict is NON VERIFICABILE anyway).
		if s.Chain == cms.ChainUntrusted || s.Chain == cms.ChainNotChecked {
			continue
		}
		pool := append(append(append([]*x509.Certificate(nil), s.certs...), opts.Extra...), anchors...)
		s.Revocation = chk.Check(ctx, cert, revocation.IssuerOf(cert, pool))
		s.CARevocation = checkCAs(ctx, cert, pool, chk)
	}
}

// findWeakCA walks the CAs above the signer (the signature's certificates, opts.Extra and the anchors
// at the validation time; each found by name and signature, at most 6) for an RSA key under MinRSABits:
// whoever factors a CA's key can issue any certificate under it (ETSI TS 119 312 covers every key of
// the path, EN 319 102-1 §5.2.8).
func (s *Signer) findWeakCA(opts cms.VerifyOptions) {
	cert := s.certificate()
	if cert == nil || s.Chain != cms.ChainValid {
		return
	}
	pool := append(append([]*x509.Certificate(nil), s.certs...), opts.Extra...)
	if opts.Anchors != nil {
		anchors, _ := opts.Anchors.Anchors(cms.PurposeSignature, s.ValidationTime)
		pool = append(pool, anchors...)
	}
	for _, ca := range caPath(cert, pool) {
		if k, ok := ca.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSABits {
			s.weakCA, s.weakCABits = ca.Subject.CommonName, k.N.BitLen()
			return
		}
	}
}

// checkCAs checks the intermediates above cert up to (not including) a self-signed root.
func checkCAs(ctx context.Context, cert *x509.Certificate, pool []*x509.Certificate, chk *revocation.Checker) []CARevocation {
	var out []CARevocation
	path := caPath(cert, pool)
	for i := 0; i+1 < len(path); i++ {
		ca := path[i]
		out = append(out, CARevocation{Name: ca.Subject.CommonName, Result: chk.Check(ctx, ca, path[i+1])})
	}
	return out
}

// caPath is the CAs above cert, each found in pool by name and signature, up to a self-signed one
// (included) or the first not found; at most 7, so a loop of cross certificates ends.
func caPath(cert *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for c := cert; len(out) < 7; {
		ca := revocation.IssuerOf(c, pool)
		if ca == nil {
			break
		}
		out = append(out, ca)
		if bytes.Equal(ca.RawSubject, ca.RawIssuer) {
			break
		}
		c = ca
	}
	return out
}
