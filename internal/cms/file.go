package cms

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// TimeStamper obtains an RFC 3161 time-stamp token (a DER ContentInfo) for a SHA-256 digest.
// tsp.Client implements it.
type TimeStamper interface {
	TimeStamp(ctx context.Context, digest []byte) ([]byte, error)
}

// Complete checks the card's signature value, obtains the signature time stamp when ts is not nil
// (over the signature value, RFC 3161 appendix A / EN 319 122-1 §5.3) and returns the DER SignerInfo.
func (p *PendingSigner) Complete(ctx context.Context, sig []byte, ts TimeStamper) ([]byte, error) {
	if err := p.CheckSignature(sig); err != nil {
		return nil, err
	}
	var unsigned []Attribute
	if ts != nil {
		d := sha256.Sum256(sig)
		tok, err := ts.TimeStamp(ctx, d[:])
		if err != nil {
			return nil, signerr.New(signerr.TimeStamp,
				"Impossibile ottenere la marca temporale dal servizio configurato: riprovare o firmare senza marca.",
				"Could not get a time stamp from the configured service: try again or sign without one.", err)
		}
		unsigned = append(unsigned, Attribute{OIDAttrTimeStampToken, [][]byte{tok}})
	}
	return p.SignerInfo(sig, unsigned), nil
}

// FileOptions describe a CAdES-BES signature of a whole file.
type FileOptions struct {
	SignerOptions
	Detached bool // .p7s (content not included) instead of an enveloping .p7m
}

// FileSigning is a CAdES signature in progress: Prepare hashed the content, the card signs Digest,
// Finish assembles the output.
type FileSigning struct {
	Pending  *PendingSigner
	asm      Assembly
	content  []docio.Range
	detached bool
}

// PrepareFile hashes src in chunks and prepares a new SignedData over it (.p7m or .p7s).
func PrepareFile(src docio.Source, opts FileOptions) (*FileSigning, error) {
	content := []docio.Range{{Off: 0, Len: src.Size()}}
	d, err := ContentDigest(src, content...)
	if err != nil {
		return nil, err
	}
	p, err := NewPendingSigner(d, opts.SignerOptions)
	if err != nil {
		return nil, err
	}
	f := &FileSigning{Pending: p, content: content, detached: opts.Detached}
	f.asm.ContentType = p.ContentType()
	f.asm.AddDigestAlg(OIDSHA256)
	f.asm.AddCerts(opts.Chain...)
	return f, nil
}

// PrepareParallel prepares one more SignerInfo for an existing enveloping .p7m in src (a parallel
// signature, RFC 5652 §5.1: signers independently sign the same content). The existing SignerInfos,
// certificates and CRLs are kept byte for byte; the content is hashed where it lies.
func PrepareParallel(src docio.Source, opts SignerOptions) (*FileSigning, error) {
	sd, err := ParseSource(src)
	if err != nil {
		return nil, err
	}
	if sd.Detached {
		return nil, signerr.New(signerr.Unsupported,
			"Il file è una firma separata (.p7s) e non contiene il documento firmato: per aggiungere la propria firma scegliere il documento originale con il formato .p7s (ogni firmatario produce la sua).",
			"The file is a detached signature (.p7s) and does not contain the signed document: to add your signature, choose the original document with the .p7s format (each signer makes their own).", nil)
	}
	d, err := ContentDigest(src, sd.Content...)
	if err != nil {
		return nil, err
	}
	opts.ContentType = sd.ContentType
	p, err := NewPendingSigner(d, opts)
	if err != nil {
		return nil, err
	}
	f := &FileSigning{Pending: p, content: sd.Content}
	f.asm.ContentType = sd.ContentType
	f.asm.DigestAlgs = sd.DigestAlgs
	f.asm.AddDigestAlg(OIDSHA256)
	f.asm.Certs, f.asm.CRLs = sd.RawCerts, sd.RawCRLs
	f.asm.AddCerts(opts.Chain...)
	for _, si := range sd.Signers {
		f.asm.SignerInfos = append(f.asm.SignerInfos, si.Raw)
		f.asm.SignerInfoV3 = f.asm.SignerInfoV3 || si.Version == 3
	}
	return f, nil
}

// Digest is what the card signs (SHA-256 of the signed attributes).
func (f *FileSigning) Digest() []byte { return f.Pending.Digest() }

// Finish takes the card's signature value and returns the output file as parts: for a .p7m the new
// header, the content ranges of the source and the trailer; for a .p7s one literal part.
func (f *FileSigning) Finish(ctx context.Context, sig []byte, ts TimeStamper) ([]docio.Part, error) {
	si, err := f.Pending.Complete(ctx, sig, ts)
	if err != nil {
		return nil, err
	}
	asm := f.asm
	asm.SignerInfos = append(append([][]byte(nil), f.asm.SignerInfos...), si)
	if f.detached {
		return []docio.Part{{Data: asm.Detached()}}, nil
	}
	return asm.EnvelopingParts(f.content), nil
}

// SignFile is Prepare + one call to signer.Sign + Finish.
func SignFile(ctx context.Context, src docio.Source, signer crypto.Signer, opts FileOptions, ts TimeStamper) ([]docio.Part, error) {
	f, err := PrepareFile(src, opts)
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(rand.Reader, f.Digest(), f.Pending.SignerOpts())
	if err != nil {
		return nil, err
	}
	return f.Finish(ctx, sig, ts)
}
