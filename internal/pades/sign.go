// Package pades signs PDFs as PAdES baseline signatures (ETSI EN 319 142-1) and verifies PDF signatures.
// Signing is Prepare (parse, build the incremental update with a sized placeholder, hash the document
// in chunks), one card signature over Digest, and Finish (fill /Contents). The original bytes are never
// changed: the result is the original followed by Result.Tail.
package pades

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/signerr"
)

// Options describe a PAdES signature.
type Options struct {
	// Chain is the signer's certificate first, then the intermediates (EN 319 142-1 §6.3: B-B includes
	// the signing certificate; the chain lets validators build the path).
	Chain []*x509.Certificate
	// Time is the claimed signing time, written in /M (§5.4.3 of EN 319 142-1 forbids the CMS
	// signing-time); time.Now when zero.
	Time time.Time
	// Name is the signer's name in /Name and the appearance; the certificate's common name when "".
	Name                          string
	Reason, Location, ContactInfo string
	// Visible places the signature on a page; nil makes it invisible.
	Visible *Appearance
	// Field, when set, signs into the existing empty signature field with this name (its own position
	// and size are used; Visible is ignored).
	Field string
	// TimeStamper, when set, makes the signature B-T: a signature time stamp in the unsigned attributes.
	TimeStamper cms.TimeStamper
	// TimeStampMaxSize is an upper bound of the TSA's token in bytes. When 0 and a TimeStamper is set,
	// Prepare asks the TSA once for a token (over a fixed probe digest) and adds a 1 KiB margin.
	TimeStampMaxSize int
}

// Appearance is a visible signature's place (PDF user space units, origin bottom-left of the page).
type Appearance struct {
	Page                        int // 1-based
	Left, Bottom, Width, Height float64
}

// Result is a signed PDF: the original bytes followed by Tail.
type Result struct {
	Tail      []byte
	ByteRange [4]int64
	// Parts describe the signed file for writers and Blob builders: the whole source, then Tail.
	Parts []docio.Part
}

// Prepared is a signature waiting for the card: Digest is what the card signs.
type Prepared struct {
	src         docio.Source
	tail        *pdf.Tail
	contentsOff int // index of the first hex digit of /Contents within tail
	capacity    int // bytes of CMS the placeholder holds
	byteRange   [4]int64
	pending     *cms.PendingSigner
	ts          cms.TimeStamper
	chain       []*x509.Certificate
}

// byteRangeWidth is the width of each /ByteRange number placeholder (files up to 10^12 bytes).
const byteRangeWidth = 12

// Prepare opens the PDF, refuses what must not be signed, builds the incremental update with a
// /Contents placeholder sized from an upper bound of the CMS, and hashes the signed byte ranges: Build,
// then Hash.
func Prepare(ctx context.Context, src docio.Source, opts Options) (*Prepared, error) {
	p, err := Build(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	if err := p.Hash(); err != nil {
		return nil, err
	}
	return p, nil
}

// Build is Prepare without the hashing: every check on the document is done and the update is built,
// so what is left (Hash, the longest part for a large file) can go on while the card is logged in.
func Build(ctx context.Context, src docio.Source, opts Options) (*Prepared, error) {
	if len(opts.Chain) == 0 {
		return nil, signerr.New(signerr.BadCertificate, "Manca il certificato del firmatario.", "The signer's certificate is missing.", nil)
	}
	doc, err := pdf.Open(src)
	if err != nil {
		return nil, err
	}
	if doc.Encrypted() {
		return nil, pdf.ErrEncrypted()
	}
	if err := checkDocMDP(doc); err != nil {
		return nil, err
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if opts.Name == "" {
		opts.Name = opts.Chain[0].Subject.CommonName
	}
	capacity, err := placeholderSize(ctx, opts)
	if err != nil {
		return nil, err
	}
	b, err := buildUpdate(doc, opts, capacity)
	if err != nil {
		return nil, err
	}
	p := &Prepared{src: src, tail: b.tail, contentsOff: b.contentsOff, capacity: capacity, ts: opts.TimeStamper, chain: opts.Chain}
	base := src.Size()
	total := base + int64(len(b.tail.Bytes))
	start := base + int64(b.contentsOff) - 1 // the '<'
	end := start + 2 + 2*int64(capacity)     // after the '>'
	p.byteRange = [4]int64{0, start, end, total - end}
	br := fmt.Sprintf("[0 %-*d %-*d %-*d]", byteRangeWidth, start, byteRangeWidth, end, byteRangeWidth, total-end)
	copy(b.tail.Bytes[b.byteRangeOff:], br)
	return p, nil
}

// Hash hashes the signed byte ranges (ISO 32000-1 §12.8.1: the original file and the update around
// /Contents) and readies the signed attributes; Digest, SignerOpts and Finish are for after it.
func (p *Prepared) Hash() error {
	base := p.src.Size()
	start, end := p.byteRange[1], p.byteRange[2]
	h := sha256.New()
	if err := docio.HashRanges(h, p.src, docio.Range{Off: 0, Len: base}); err != nil {
		return err
	}
	h.Write(p.tail.Bytes[:start-base])
	h.Write(p.tail.Bytes[end-base:])
	pending, err := cms.NewPendingSigner(h.Sum(nil), cms.SignerOptions{Chain: p.chain})
	if err != nil {
		return err
	}
	p.pending = pending
	return nil
}

// Digest is the SHA-256 the card signs.
func (p *Prepared) Digest() []byte { return p.pending.Digest() }

// SignerOpts is the crypto.SignerOpts to sign Digest with.
func (p *Prepared) SignerOpts() crypto.SignerOpts { return p.pending.SignerOpts() }

// ByteRange is the signed byte range of the output (fixed at Prepare).
func (p *Prepared) ByteRange() [4]int64 { return p.byteRange }

// DropTimeStamp makes the next Finish produce a B-B signature without asking the TSA: when Finish
// failed with code TIMESTAMP, the caller offers "try the time stamp again" (call Finish again with the
// same signature) or "save without time stamp" (DropTimeStamp, then Finish). Either way the card is
// not asked to sign again.
func (p *Prepared) DropTimeStamp() { p.ts = nil }

// Finish checks the card's signature, adds the time stamp when configured, and fills /Contents. It does
// not change p, so it may be called again with the same signature after a time-stamp failure.
func (p *Prepared) Finish(ctx context.Context, sig []byte) (*Result, error) {
	si, err := p.pending.Complete(ctx, sig, p.ts)
	if err != nil {
		return nil, err
	}
	asm := cms.Assembly{DigestAlgs: nil, SignerInfos: [][]byte{si}}
	asm.AddDigestAlg(cms.OIDSHA256)
	asm.AddCerts(p.pending.Chain()...)
	der := asm.Detached()
	if len(der) > p.capacity {
		// Cannot happen with a correct bound; said plainly rather than writing a broken file.
		return nil, signerr.New(signerr.TooLarge,
			"Errore interno: lo spazio riservato alla firma è insufficiente. Nessun file è stato scritto.",
			"Internal error: the space reserved for the signature is too small. No file was written.",
			fmt.Errorf("CMS %d bytes, placeholder %d", len(der), p.capacity))
	}
	tail := append([]byte(nil), p.tail.Bytes...)
	hex.Encode(tail[p.contentsOff:], der)
	return &Result{
		Tail:      tail,
		ByteRange: p.byteRange,
		Parts:     []docio.Part{docio.SourcePart(0, p.src.Size()), {Data: tail}},
	}, nil
}

// Sign is Prepare, exactly one signer.Sign call, and Finish.
func Sign(ctx context.Context, src docio.Source, signer crypto.Signer, opts Options) (*Result, error) {
	p, err := Prepare(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(rand.Reader, p.Digest(), p.SignerOpts())
	if err != nil {
		return nil, err
	}
	return p.Finish(ctx, sig)
}

// placeholderSize is an upper bound of the DER CMS: the exact encoding with the largest signature value
// the key can produce and a stand-in time-stamp token of the maximum size. DER lengths only grow with
// content, so the real CMS is never larger.
func placeholderSize(ctx context.Context, opts Options) (int, error) {
	var zero [32]byte
	ps, err := cms.NewPendingSigner(zero[:], cms.SignerOptions{Chain: opts.Chain})
	if err != nil {
		return 0, err
	}
	var unsigned []cms.Attribute
	if opts.TimeStamper != nil {
		max := opts.TimeStampMaxSize
		if max == 0 {
			probe := sha256.Sum256([]byte("ponte: time-stamp size probe"))
			tok, err := opts.TimeStamper.TimeStamp(ctx, probe[:])
			if err != nil {
				return 0, signerr.New(signerr.TimeStamp,
					"Il servizio di marca temporale non risponde: riprovare o firmare senza marca temporale.",
					"The time-stamping service does not answer: try again or sign without a time stamp.", err)
			}
			max = len(tok) + 1024
		}
		unsigned = []cms.Attribute{{Type: cms.OIDAttrTimeStampToken, Values: [][]byte{octets(max)}}}
	}
	si := ps.SignerInfo(make([]byte, ps.MaxSignatureSize()), unsigned)
	asm := cms.Assembly{SignerInfos: [][]byte{si}}
	asm.AddDigestAlg(cms.OIDSHA256)
	asm.AddCerts(opts.Chain...)
	return len(asm.Detached()), nil
}

// octets is a DER element of exactly n bytes in total (n ≥ 2), a stand-in for a token of that size.
func octets(n int) []byte {
	for body := n - 2; body >= 0; body-- {
		h := derLenHeader(body)
		if len(h)+body == n {
			return append(h, make([]byte, body)...)
		}
	}
	return []byte{0x04, 0x00}
}

func derLenHeader(n int) []byte {
	if n < 0x80 {
		return []byte{0x04, byte(n)}
	}
	var l []byte
	for v := n; v > 0; v >>= 8 {
		l = append([]byte{byte(v)}, l...)
	}
	return append([]byte{0x04, 0x80 | byte(len(l))}, l...)
}

// checkDocMDP refuses documents certified with "no changes allowed" (ISO 32000-1 §12.8.2.2, P = 1):
// any update, a signature included, would break the certification.
func checkDocMDP(doc *pdf.Document) error {
	cat, err := doc.Catalog()
	if err != nil {
		return err
	}
	perms, err := doc.Dict(cat["Perms"])
	if err != nil || perms == nil {
		return err
	}
	sig, err := doc.Dict(perms["DocMDP"])
	if err != nil || sig == nil {
		return err
	}
	refs, _ := doc.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, r := range arr {
		rd, err := doc.Dict(r)
		if err != nil || rd == nil || rd.Name("TransformMethod") != "DocMDP" {
			continue
		}
		params, _ := doc.Dict(rd["TransformParams"])
		p := int64(2)
		if params != nil {
			if v, ok := params["P"].(int64); ok {
				p = v
			}
		}
		if p == 1 {
			return signerr.New(signerr.Certified,
				"Il PDF è certificato dall'autore con \"nessuna modifica consentita\": aggiungere una firma lo invaliderebbe. Chiedere all'autore una copia non certificata, oppure firmarlo come file (.p7m).",
				"The PDF is certified by its author with \"no changes allowed\": adding a signature would invalidate it. Ask the author for an uncertified copy, or sign it as a file (.p7m).", nil)
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
