package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ponte-it/ponte/internal/docio"
)

// Purpose is what a trust anchor is trusted for (in a trusted list, the service type).
type Purpose int

const (
	PurposeSignature Purpose = iota // CA/QC: issues signers' certificates
	PurposeTimeStamp                // TSA: issues time-stamp units' certificates
)

// TrustAnchors supplies the anchors trusted for a purpose at a time. The AgID trusted list (ETSI TS
// 119 612) will implement it; StaticAnchors serves bundled and test anchors.
type TrustAnchors interface {
	Anchors(purpose Purpose, at time.Time) ([]*x509.Certificate, error)
}

// StaticAnchors trusts the same certificates for every purpose and time.
type StaticAnchors []*x509.Certificate

// Anchors implements TrustAnchors.
func (s StaticAnchors) Anchors(Purpose, time.Time) ([]*x509.Certificate, error) { return s, nil }

// ChainStatus is the outcome of building a path to a trust anchor (RFC 5280 §6).
type ChainStatus string

const (
	ChainValid      ChainStatus = "valid"
	ChainUntrusted  ChainStatus = "untrusted"   // no path to an anchor
	ChainInvalid    ChainStatus = "invalid"     // a path exists but a certificate is expired or misused
	ChainNotChecked ChainStatus = "not-checked" // no anchors given
)

// SignerResult is the verification of one SignerInfo.
type SignerResult struct {
	Certificate *x509.Certificate
	Signer      string    // subject common name, or the whole subject
	SigningTime time.Time // signing-time attribute, zero when absent
	DigestOK    bool      // message-digest attribute equals the content's digest
	SignatureOK bool      // signature value verifies with the certificate over the signed attributes
	CAdESBES    bool      // content-type, message-digest and signing-certificate(-v2) present and right
	// SigningCertRef is what the signing-certificate(-v2) attribute says of the signer's certificate
	// (RFC 5035 §5.4, EN 319 122-1 §5.2.2): RefMatch, RefAbsent or RefMismatch.
	SigningCertRef SigningCertRef
	Hash           crypto.Hash             // the SignerInfo's digest algorithm (0: not supported)
	SigAlg         x509.SignatureAlgorithm // digest and signature algorithm together (0: not supported)
	Chain          ChainStatus
	ChainDetail    string
	HasTimeStamp   bool
	Err            error // the first integrity problem, nil when DigestOK and SignatureOK
}

// SigningCertRef is the outcome of matching the signing-certificate(-v2) attribute with the signer.
type SigningCertRef string

const (
	RefMatch    SigningCertRef = "match"    // present and names exactly the signer's certificate
	RefAbsent   SigningCertRef = "absent"   // neither attribute is signed: the signer's certificate is not bound
	RefMismatch SigningCertRef = "mismatch" // present but names another certificate (or is malformed)
)

// OK reports integrity: the content and attributes are exactly what the certificate's key signed.
func (r *SignerResult) OK() bool { return r.DigestOK && r.SignatureOK && r.Err == nil }

// DigestFunc returns the content digest with the given hash (computed once per hash by the caller).
type DigestFunc func(crypto.Hash) ([]byte, error)

// RangesDigest hashes content ranges of src, caching one result per hash.
func RangesDigest(src docio.Source, ranges []docio.Range) DigestFunc {
	cache := map[crypto.Hash][]byte{}
	return func(h crypto.Hash) ([]byte, error) {
		if d, ok := cache[h]; ok {
			return d, nil
		}
		if !h.Available() {
			return nil, fmt.Errorf("hash %v not available", h)
		}
		hh := h.New()
		if err := docio.HashRanges(hh, src, ranges...); err != nil {
			return nil, err
		}
		cache[h] = hh.Sum(nil)
		return cache[h], nil
	}
}

// x509Algorithm maps a SignerInfo's digest and signature algorithms to crypto/x509's.
func x509Algorithm(digest, sig asn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	h, ok := HashForOID(digest)
	if !ok {
		return 0, fmt.Errorf("digest algorithm %v not supported", digest)
	}
	type key struct {
		rsa, ec, pss bool
		h            crypto.Hash
	}
	k := key{h: h}
	switch {
	case sig.Equal(OIDRSAEncryption), sig.Equal(OIDSHA256WithRSA), sig.Equal(OIDSHA384WithRSA), sig.Equal(OIDSHA512WithRSA):
		k.rsa = true
	case sig.Equal(OIDRSAPSS):
		k.pss = true
	case sig.Equal(OIDECPublicKey), sig.Equal(OIDECDSAWithSHA256), sig.Equal(OIDECDSAWithSHA384), sig.Equal(OIDECDSAWithSHA512):
		k.ec = true
	default:
		return 0, fmt.Errorf("signature algorithm %v not supported", sig)
	}
	table := map[key]x509.SignatureAlgorithm{
		{rsa: true, h: crypto.SHA1}: x509.SHA1WithRSA, {rsa: true, h: crypto.SHA256}: x509.SHA256WithRSA,
		{rsa: true, h: crypto.SHA384}: x509.SHA384WithRSA, {rsa: true, h: crypto.SHA512}: x509.SHA512WithRSA,
		{pss: true, h: crypto.SHA256}: x509.SHA256WithRSAPSS, {pss: true, h: crypto.SHA384}: x509.SHA384WithRSAPSS,
		{pss: true, h: crypto.SHA512}: x509.SHA512WithRSAPSS,
		{ec: true, h: crypto.SHA1}:    x509.ECDSAWithSHA1, {ec: true, h: crypto.SHA256}: x509.ECDSAWithSHA256,
		{ec: true, h: crypto.SHA384}: x509.ECDSAWithSHA384, {ec: true, h: crypto.SHA512}: x509.ECDSAWithSHA512,
	}
	a, ok := table[k]
	if !ok {
		return 0, fmt.Errorf("algorithm combination %v/%v not supported", digest, sig)
	}
	return a, nil
}

// VerifyOptions control chain validation.
type VerifyOptions struct {
	Anchors TrustAnchors // nil: chain not checked
	At      time.Time    // validation time; zero: signing time if present, else now
	Extra   []*x509.Certificate
}

// VerifySigner checks one SignerInfo: its signed attributes against the content digest, its signature
// against its certificate (found among certs), the CAdES-BES attributes, and the chain.
func VerifySigner(si *SignerInfo, certs []*x509.Certificate, digest DigestFunc, opts VerifyOptions) *SignerResult {
	r := &SignerResult{Chain: ChainNotChecked}
	fail := func(err error) *SignerResult {
		if r.Err == nil {
			r.Err = err
		}
		return r
	}
	r.Certificate = si.FindCertificate(certs)
	if r.Certificate == nil {
		return fail(errors.New("signer's certificate not included"))
	}
	r.Signer = r.Certificate.Subject.CommonName
	if r.Signer == "" {
		r.Signer = r.Certificate.Subject.String()
	}
	r.SigningTime = si.SigningTime()
	r.HasTimeStamp = Attr(si.UnsignedAttrs, OIDAttrTimeStampToken) != nil
	if si.RawSignedAttrs == nil {
		return fail(errors.New("no signed attributes (not CAdES)"))
	}
	h, ok := HashForOID(si.DigestAlg)
	if !ok {
		return fail(fmt.Errorf("digest algorithm %v not supported", si.DigestAlg))
	}
	r.Hash = h
	d, err := digest(h)
	if err != nil {
		return fail(err)
	}
	var md []byte
	if v := Attr(si.SignedAttrs, OIDAttrMessageDigest); v != nil {
		asn1.Unmarshal(v, &md)
	}
	r.DigestOK = md != nil && bytes.Equal(md, d)
	if !r.DigestOK {
		fail(errors.New("message-digest does not match the content: the content was changed"))
	}
	alg, err := x509Algorithm(si.DigestAlg, si.SigAlg)
	if err != nil {
		return fail(err)
	}
	r.SigAlg = alg
	if err := r.Certificate.CheckSignature(alg, si.RawSignedAttrs, si.Signature); err != nil {
		fail(fmt.Errorf("signature value does not verify: %w", err))
	} else {
		r.SignatureOK = true
	}
	r.SigningCertRef = checkSigningCert(si, r.Certificate)
	r.CAdESBES = Attr(si.SignedAttrs, OIDAttrContentType) != nil && r.DigestOK && r.SigningCertRef == RefMatch
	// The chain is validated at the given time or now, never at the signing-time attribute: that is the
	// signer's own claim, not a proof of existence (EN 319 102-1 §5.6.2.1: only a POE such as a trusted
	// time stamp moves the validation time into the past).
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	r.Chain, r.ChainDetail = VerifyChain(r.Certificate, append(append([]*x509.Certificate(nil), certs...), opts.Extra...), opts.Anchors, PurposeSignature, at)
	return r
}

// checkSigningCert says whether signing-certificate-v2 (or v1) names exactly this certificate (RFC 5035 §5.4).
func checkSigningCert(si *SignerInfo, cert *x509.Certificate) SigningCertRef {
	if Attr(si.SignedAttrs, OIDAttrSigningCertificateV2) == nil && Attr(si.SignedAttrs, OIDAttrSigningCertificate) == nil {
		return RefAbsent
	}
	if signingCertMatches(si, cert) {
		return RefMatch
	}
	return RefMismatch
}

// signingCertMatches: the first ESSCertID(v2) of the attribute is the hash of cert (RFC 5035 §5.4.1).
func signingCertMatches(si *SignerInfo, cert *x509.Certificate) bool {
	if v := Attr(si.SignedAttrs, OIDAttrSigningCertificateV2); v != nil {
		s := cryptobyte.String(v)
		var scv2, certs, id cryptobyte.String
		if !s.ReadASN1(&scv2, cbasn1.SEQUENCE) || !scv2.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
			return false
		}
		h := crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			var alg cryptobyte.String
			var o asn1.ObjectIdentifier
			if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&o) {
				return false
			}
			var ok bool
			if h, ok = HashForOID(o); !ok {
				return false
			}
		}
		var got cryptobyte.String
		if !id.ReadASN1(&got, cbasn1.OCTET_STRING) {
			return false
		}
		hh := h.New()
		hh.Write(cert.Raw)
		return bytes.Equal(hh.Sum(nil), got)
	}
	if v := Attr(si.SignedAttrs, OIDAttrSigningCertificate); v != nil {
		s := cryptobyte.String(v)
		var sc, certs, id, got cryptobyte.String
		if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
			!certs.ReadASN1(&id, cbasn1.SEQUENCE) || !id.ReadASN1(&got, cbasn1.OCTET_STRING) {
			return false
		}
		hh := crypto.SHA1.New()
		hh.Write(cert.Raw)
		return bytes.Equal(hh.Sum(nil), got)
	}
	return false
}

// VerifyChain builds a path from cert to an anchor for purpose at time at.
func VerifyChain(cert *x509.Certificate, pool []*x509.Certificate, anchors TrustAnchors, purpose Purpose, at time.Time) (ChainStatus, string) {
	if anchors == nil {
		return ChainNotChecked, "no trust anchors given"
	}
	roots, err := anchors.Anchors(purpose, at)
	if err != nil {
		return ChainNotChecked, err.Error()
	}
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range roots {
		rp.AddCert(c)
	}
	for _, c := range pool {
		ip.AddCert(c)
	}
	eku := x509.ExtKeyUsageAny
	if purpose == PurposeTimeStamp {
		eku = x509.ExtKeyUsageTimeStamping
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{eku}})
	if err == nil && purpose == PurposeSignature {
		err = SignerUsage(cert)
	}
	if err == nil {
		return ChainValid, ""
	}
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		return ChainInvalid, err.Error()
	}
	return ChainUntrusted, err.Error()
}

// MinRSABits is the smallest RSA modulus accepted for a signature or a time stamp without a proof of an
// earlier time (ETSI TS 119 312; docs/signing.md, "Algorithms").
const MinRSABits = 2048

// SignerUsage refuses a certificate whose key is not meant to sign documents (crypto/x509's Verify
// checks neither keyUsage nor a leaf that is a CA): a CA's key signs certificates and CRLs (RFC 5280
// §4.2.1.9); a keyUsage without digitalSignature or nonRepudiation forbids signing (§4.2.1.3); a
// time-stamping or OCSP-signing key is dedicated to that (RFC 3161 §2.3, RFC 6960 §4.2.2.2), and an
// extended key usage naming only other purposes (TLS server, code signing, IPsec…) excludes documents
// (§4.2.1.12). Purposes Go does not know (documentSigning RFC 9336, Adobe's, Microsoft's) are accepted.
func SignerUsage(c *x509.Certificate) error {
	if c.BasicConstraintsValid && c.IsCA {
		return x509.CertificateInvalidError{Cert: c, Reason: x509.NotAuthorizedToSign, Detail: "the signer's certificate is a CA certificate"}
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return x509.CertificateInvalidError{Cert: c, Reason: x509.IncompatibleUsage, Detail: "keyUsage allows neither digitalSignature nor nonRepudiation"}
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping || u == x509.ExtKeyUsageOCSPSigning {
			return x509.CertificateInvalidError{Cert: c, Reason: x509.IncompatibleUsage, Detail: "a time-stamping or OCSP-signing certificate"}
		}
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageAny, x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth:
			return nil
		}
	}
	if len(c.UnknownExtKeyUsage) > 0 {
		return nil
	}
	return x509.CertificateInvalidError{Cert: c, Reason: x509.IncompatibleUsage, Detail: "the extended key usage excludes signing documents"}
}

// Verify checks every SignerInfo of sd. For an enveloping sd the content is read from src (where sd
// was parsed); for a detached one from detached, which must then be non-nil.
func Verify(sd *SignedData, src, detached docio.Source, opts VerifyOptions) ([]*SignerResult, error) {
	var digest DigestFunc
	switch {
	case !sd.Detached:
		digest = RangesDigest(src, sd.Content)
	case detached != nil:
		digest = RangesDigest(detached, []docio.Range{{Off: 0, Len: detached.Size()}})
	default:
		return nil, errors.New("cms: detached signature: the signed file is needed to verify it")
	}
	var out []*SignerResult
	for _, si := range sd.Signers {
		r := VerifySigner(si, sd.Certs, digest, opts)
		CheckContentType(r, si, sd.ContentType)
		out = append(out, r)
	}
	return out, nil
}

// ContentDigest is the SHA-256 of a whole source, streamed.
func ContentDigest(src docio.Source, ranges ...docio.Range) ([]byte, error) {
	if ranges == nil {
		ranges = []docio.Range{{Off: 0, Len: src.Size()}}
	}
	h := sha256.New()
	if err := docio.HashRanges(h, src, ranges...); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// CheckContentType requires the content-type signed attribute to equal the eContentType (RFC 5652
// §11.1); a mismatch is an integrity failure.
func CheckContentType(r *SignerResult, si *SignerInfo, eContentType asn1.ObjectIdentifier) {
	v := Attr(si.SignedAttrs, OIDAttrContentType)
	if v == nil {
		r.CAdESBES = false
		return
	}
	var ct asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v, &ct); err != nil || !ct.Equal(eContentType) {
		r.CAdESBES = false
		if r.Err == nil {
			r.Err = fmt.Errorf("content-type attribute %v differs from the content type %v", ct, eContentType)
		}
	}
}
