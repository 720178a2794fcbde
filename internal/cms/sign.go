package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ponte-it/ponte/internal/signerr"
)

// Attribute is a CMS attribute (RFC 5652 §5.3): its type and the DER encoding of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// encode returns the DER Attribute SEQUENCE.
func (a Attribute) encode() []byte {
	return derTLV(0x30, mustMarshal(a.Type), derSet(a.Values))
}

// derSet encodes a SET OF with its elements sorted as DER requires (X.690 §11.6).
func derSet(elems [][]byte) []byte {
	sorted := append([][]byte(nil), elems...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	return derTLV(0x31, sorted...)
}

// SignerOptions describe one signer of a SignedData.
type SignerOptions struct {
	// Chain is the signer's certificate first, then the intermediates (and optionally the root) that
	// go into the certificates field (EN 319 142-1 §6.3 requires the chain for B-B).
	Chain []*x509.Certificate
	// ContentType is the eContentType and the content-type attribute; id-data when nil.
	ContentType asn1.ObjectIdentifier
	// SigningTime adds the signing-time attribute when not zero. PAdES must leave it zero (the time
	// goes in the signature dictionary's /M, EN 319 142-1 §5.4.3).
	SigningTime time.Time
	// ExtraSigned are further signed attributes.
	ExtraSigned []Attribute
}

// PendingSigner is a SignerInfo waiting for its signature value: it holds the DER signed attributes
// whose SHA-256 the card signs. Only SHA-256 is produced (EN 319 142-1 §6.2.2 / ETSI TS 119 312).
type PendingSigner struct {
	opts        SignerOptions
	signedAttrs []byte // DER SET OF Attribute (tag 0x31), as signed (RFC 5652 §5.4)
	digest      []byte
}

// NewPendingSigner prepares the signed attributes for a content whose SHA-256 is contentDigest.
func NewPendingSigner(contentDigest []byte, opts SignerOptions) (*PendingSigner, error) {
	if len(opts.Chain) == 0 || opts.Chain[0] == nil {
		return nil, signerr.New(signerr.BadCertificate, "Manca il certificato del firmatario.", "The signer's certificate is missing.", nil)
	}
	if len(contentDigest) != sha256.Size {
		return nil, fmt.Errorf("cms: content digest must be SHA-256 (%d bytes)", sha256.Size)
	}
	if opts.ContentType == nil {
		opts.ContentType = OIDData
	}
	if _, err := sigAlgorithm(opts.Chain[0]); err != nil {
		return nil, err
	}
	cert := opts.Chain[0]
	certHash := sha256.Sum256(cert.Raw)
	attrs := []Attribute{
		{OIDAttrContentType, [][]byte{mustMarshal(opts.ContentType)}},
		{OIDAttrMessageDigest, [][]byte{mustMarshal(contentDigest)}},
		{OIDAttrSigningCertificateV2, [][]byte{signingCertificateV2(cert, certHash[:])}},
	}
	if !opts.SigningTime.IsZero() {
		attrs = append(attrs, Attribute{OIDAttrSigningTime, [][]byte{encodeTime(opts.SigningTime)}})
	}
	attrs = append(attrs, opts.ExtraSigned...)
	enc := make([][]byte, len(attrs))
	for i, a := range attrs {
		enc[i] = a.encode()
	}
	p := &PendingSigner{opts: opts, signedAttrs: derSet(enc)}
	d := sha256.Sum256(p.signedAttrs)
	p.digest = d[:]
	return p, nil
}

// encodeTime encodes a Time as RFC 5652 §11.3 requires: UTCTime for 1950–2049, else GeneralizedTime.
func encodeTime(t time.Time) []byte {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		return mustMarshal(t)
	}
	b, _ := asn1.MarshalWithParams(t, "generalized")
	return b
}

// signingCertificateV2 encodes SigningCertificateV2 (RFC 5035 §3) with one ESSCertIDv2 whose hash
// algorithm is SHA-256, the DEFAULT, so omitted (§4), and whose issuerSerial names the certificate.
func signingCertificateV2(cert *x509.Certificate, certHash []byte) []byte {
	issuerSerial := derTLV(0x30,
		derTLV(0x30, derTLV(0xa4, cert.RawIssuer)), // GeneralNames { directoryName [4] }
		mustMarshal(cert.SerialNumber))
	essCertID := derTLV(0x30, mustMarshal(certHash), issuerSerial)
	return derTLV(0x30, derTLV(0x30, essCertID))
}

// Digest is the SHA-256 of the DER signed attributes: the only thing the card signs.
func (p *PendingSigner) Digest() []byte { return append([]byte(nil), p.digest...) }

// SignedAttributes returns the DER signed attributes (a SET).
func (p *PendingSigner) SignedAttributes() []byte { return append([]byte(nil), p.signedAttrs...) }

// SignerOpts is what to pass to crypto.Signer.Sign with Digest.
func (p *PendingSigner) SignerOpts() crypto.SignerOpts { return crypto.SHA256 }

// Certificate is the signer's certificate.
func (p *PendingSigner) Certificate() *x509.Certificate { return p.opts.Chain[0] }

// Chain is the certificate chain to embed.
func (p *PendingSigner) Chain() []*x509.Certificate { return p.opts.Chain }

// ContentType is the eContentType.
func (p *PendingSigner) ContentType() asn1.ObjectIdentifier { return p.opts.ContentType }

// MaxSignatureSize is an upper bound of the signature value the certificate's key produces.
func (p *PendingSigner) MaxSignatureSize() int { return MaxSignatureSize(p.opts.Chain[0].PublicKey) }

// MaxSignatureSize is an upper bound of the signature value a public key's private half produces.
func MaxSignatureSize(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.Size()
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		// SEQUENCE { INTEGER r, INTEGER s }, each with a possible leading zero (SEC 1 §C.5).
		return 2*(n+1+3) + 4
	case ed25519.PublicKey:
		return ed25519.SignatureSize
	}
	return 1024
}

// sigAlgorithm is the signatureAlgorithm identifier for the certificate's key with SHA-256
// (RFC 5754 §3.2 for RSA, RFC 5758 §3.2 for ECDSA, whose parameters are absent).
func sigAlgorithm(cert *x509.Certificate) ([]byte, error) {
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return derTLV(0x30, mustMarshal(OIDSHA256WithRSA), []byte{0x05, 0x00}), nil
	case *ecdsa.PublicKey:
		return derTLV(0x30, mustMarshal(OIDECDSAWithSHA256)), nil
	}
	return nil, signerr.New(signerr.BadCertificate,
		"Tipo di chiave del certificato non supportato per la firma (servono RSA o ECDSA).",
		"The certificate's key type is not supported for signing (RSA or ECDSA needed).", nil)
}

// CheckSignature verifies a signature value returned by the card against the signer's certificate
// before it is embedded: a wrong key/certificate pairing is reported here, not by a validator later.
func (p *PendingSigner) CheckSignature(sig []byte) error {
	cert := p.opts.Chain[0]
	var err error
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		err = cert.CheckSignature(x509.SHA256WithRSA, p.signedAttrs, sig)
	case *ecdsa.PublicKey:
		err = cert.CheckSignature(x509.ECDSAWithSHA256, p.signedAttrs, sig)
	default:
		err = errors.New("unsupported key")
	}
	if err != nil {
		return signerr.New(signerr.BadSignature,
			"La firma prodotta dalla tessera non corrisponde al certificato scelto.",
			"The signature made by the card does not match the chosen certificate.", err)
	}
	return nil
}

// SignerInfo returns the DER SignerInfo (RFC 5652 §5.3, version 1, issuerAndSerialNumber) with the
// signature value and the unsigned attributes (e.g. a signature time stamp), which may be nil.
func (p *PendingSigner) SignerInfo(sig []byte, unsigned []Attribute) []byte {
	cert := p.opts.Chain[0]
	alg, _ := sigAlgorithm(cert)
	sid := derTLV(0x30, cert.RawIssuer, mustMarshal(cert.SerialNumber))
	digestAlg := derTLV(0x30, mustMarshal(OIDSHA256))
	signed := append([]byte{0xa0}, p.signedAttrs[1:]...) // [0] IMPLICIT SET OF Attribute
	parts := [][]byte{mustMarshal(1), sid, digestAlg, signed, alg, derTLV(0x04, sig)}
	if len(unsigned) > 0 {
		enc := make([][]byte, len(unsigned))
		for i, a := range unsigned {
			enc[i] = a.encode()
		}
		u := derSet(enc)
		u[0] = 0xa1 // [1] IMPLICIT
		parts = append(parts, u)
	}
	return derTLV(0x30, parts...)
}
