package cmp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"hash"
	"time"
)

// Protector protects outgoing messages, RFC 9810 §5.1.3: SignatureProtection or MACProtection.
type Protector interface {
	// setup fills the header fields the protection determines (protectionAlg, senderKID, and the sender
	// when empty) and returns the certificates to put first in extraCerts.
	setup(h *Header) ([][]byte, error)
	// compute returns the protection value over the DER ProtectedPart.
	compute(alg pkix.AlgorithmIdentifier, protectedPart []byte) ([]byte, error)
}

// SignatureProtection protects with a signature by Signer, whose certificate is Cert (RFC 9810
// §5.1.3.3, RFC 9483 §3.2). The Signer may be a smart card key reached through ponte-host: it is only
// asked to sign a SHA-2 digest. Chain holds intermediate certificates to send after Cert in extraCerts.
type SignatureProtection struct {
	Signer crypto.Signer
	Cert   *x509.Certificate
	Chain  []*x509.Certificate
}

func (p *SignatureProtection) setup(h *Header) ([][]byte, error) {
	if p.Signer == nil || p.Cert == nil {
		return nil, fail(CodeBadInput, nil, "signature protection needs a signer and its certificate")
	}
	alg, _, err := signatureAlgorithmFor(p.Signer.Public())
	if err != nil {
		return nil, err
	}
	h.ProtectionAlg = alg
	// RFC 9483 §3.1: sender is the subject of the protection certificate, senderKID its subject key id.
	h.Sender = DirectoryName(p.Cert.RawSubject)
	h.SenderKID = p.Cert.SubjectKeyId
	extra := [][]byte{p.Cert.Raw}
	for _, c := range p.Chain {
		extra = append(extra, c.Raw)
	}
	return extra, nil
}

func (p *SignatureProtection) compute(alg pkix.AlgorithmIdentifier, part []byte) ([]byte, error) {
	_, sig, err := signWith(p.Signer, part)
	return sig, err
}

// MACProtection protects with a secret shared with the CA (RFC 9810 §5.1.3.1; RFC 9481 §6.1):
// PasswordBasedMac by default (HMAC-SHA256 over a SHA-256 OWF; what OpenSSL 3.0 speaks), PBMAC1 with
// PBKDF2-HMAC-SHA256 when PBMAC1 is set. Reference is the senderKID the CA knows the secret by.
type MACProtection struct {
	Secret     []byte
	Reference  []byte
	PBMAC1     bool
	Iterations int // 0: 10000
}

// Bounds on iteration counts we compute, so a forged answer cannot make us spin (RFC 9481 §6.1.1 and
// §6.1.2 leave the bound to the implementation; OpenSSL uses 100000).
const (
	minMACIterations = 100
	maxMACIterations = 100000
)

func (p *MACProtection) setup(h *Header) ([][]byte, error) {
	if len(p.Secret) == 0 {
		return nil, fail(CodeBadInput, nil, "MAC protection needs a secret")
	}
	salt, err := newNonce()
	if err != nil {
		return nil, err
	}
	iter := p.Iterations
	if iter == 0 {
		iter = 10000
	}
	if iter < minMACIterations || iter > maxMACIterations {
		return nil, fail(CodeBadInput, nil, "MAC iteration count %d out of range", iter)
	}
	var params []byte
	if p.PBMAC1 {
		kdf, _ := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: iter, KeyLength: 32, PRF: pkix.AlgorithmIdentifier{Algorithm: OIDHMACWithSHA256, Parameters: asn1.NullRawValue}})
		params, err = asn1.Marshal(pbmac1Params{
			KDF: pkix.AlgorithmIdentifier{Algorithm: OIDPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
			MAC: pkix.AlgorithmIdentifier{Algorithm: OIDHMACWithSHA256, Parameters: asn1.NullRawValue},
		})
		h.ProtectionAlg = pkix.AlgorithmIdentifier{Algorithm: OIDPBMAC1, Parameters: asn1.RawValue{FullBytes: params}}
	} else {
		params, err = asn1.Marshal(pbmParameter{
			Salt: salt, OWF: pkix.AlgorithmIdentifier{Algorithm: OIDSHA256}, Iterations: iter,
			MAC: pkix.AlgorithmIdentifier{Algorithm: OIDHMACWithSHA256, Parameters: asn1.NullRawValue},
		})
		h.ProtectionAlg = pkix.AlgorithmIdentifier{Algorithm: OIDPasswordBasedMac, Parameters: asn1.RawValue{FullBytes: params}}
	}
	if err != nil {
		return nil, err
	}
	h.SenderKID = p.Reference
	return nil, nil
}

func (p *MACProtection) compute(alg pkix.AlgorithmIdentifier, part []byte) ([]byte, error) {
	return computeMAC(alg, p.Secret, part)
}

// PBMParameter, RFC 9810 §5.1.3.1 (RFC 4211 §4.4).
type pbmParameter struct {
	Salt       []byte
	OWF        pkix.AlgorithmIdentifier
	Iterations int
	MAC        pkix.AlgorithmIdentifier
}

// PBMAC1-params, RFC 8018 §A.5, and PBKDF2-params, §A.2 (keyLength required by RFC 9481 §6.1.2).
type pbmac1Params struct {
	KDF pkix.AlgorithmIdentifier
	MAC pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// computeMAC evaluates a MAC-based protectionAlg over data.
func computeMAC(alg pkix.AlgorithmIdentifier, secret, data []byte) ([]byte, error) {
	switch {
	case alg.Algorithm.Equal(OIDPasswordBasedMac):
		var p pbmParameter
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return nil, malformed("PBMParameter", err)
		}
		if p.Iterations < 1 || p.Iterations > maxMACIterations {
			return nil, fail(CodeUnsupported, nil, "PasswordBasedMac iteration count %d", p.Iterations)
		}
		owf := hashFor(p.OWF.Algorithm)
		mac := hmacFor(p.MAC.Algorithm)
		if owf == nil || mac == nil {
			return nil, fail(CodeUnsupported, nil, "PasswordBasedMac owf %v / mac %v", p.OWF.Algorithm, p.MAC.Algorithm)
		}
		// RFC 4211 §4.4: BASEKEY = OWF(password || salt), then OWF applied iterationCount-1 more times.
		h := owf()
		h.Write(secret)
		h.Write(p.Salt)
		key := h.Sum(nil)
		for i := 1; i < p.Iterations; i++ {
			h.Reset()
			h.Write(key)
			key = h.Sum(key[:0])
		}
		m := hmac.New(mac, key)
		m.Write(data)
		return m.Sum(nil), nil
	case alg.Algorithm.Equal(OIDPBMAC1):
		var p pbmac1Params
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return nil, malformed("PBMAC1-params", err)
		}
		var k pbkdf2Params
		if !p.KDF.Algorithm.Equal(OIDPBKDF2) {
			return nil, fail(CodeUnsupported, nil, "PBMAC1 key derivation %v", p.KDF.Algorithm)
		}
		if err := unmarshalAll(p.KDF.Parameters.FullBytes, &k); err != nil {
			return nil, malformed("PBKDF2-params", err)
		}
		prf := hmacFor(k.PRF.Algorithm)
		if k.PRF.Algorithm == nil {
			prf = sha1.New // DEFAULT algid-hmacWithSHA1, RFC 8018 §A.2
		}
		mac := hmacFor(p.MAC.Algorithm)
		if prf == nil || mac == nil || k.Iterations < 1 || k.Iterations > maxMACIterations || k.KeyLength < 16 || k.KeyLength > 64 {
			return nil, fail(CodeUnsupported, nil, "PBMAC1 parameters (prf %v, mac %v, %d iterations, key length %d)", k.PRF.Algorithm, p.MAC.Algorithm, k.Iterations, k.KeyLength)
		}
		key, err := pbkdf2.Key(prf, string(secret), k.Salt, k.Iterations, k.KeyLength)
		if err != nil {
			return nil, fail(CodeUnsupported, err, "PBKDF2")
		}
		m := hmac.New(mac, key)
		m.Write(data)
		return m.Sum(nil), nil
	}
	return nil, fail(CodeUnsupported, nil, "MAC algorithm %v", alg.Algorithm)
}

// digests: each hash (RFC 9481 §2) with the HMAC identifiers built on it (RFC 9481 §6.2; hmac-sha1 has
// two OIDs, RFC 2104/RFC 8018).
var digests = []struct {
	hash  asn1.ObjectIdentifier
	hmacs []asn1.ObjectIdentifier
	new   func() hash.Hash
}{
	{OIDSHA1, []asn1.ObjectIdentifier{OIDHMACSHA1, OIDHMACWithSHA1}, sha1.New},
	{OIDSHA256, []asn1.ObjectIdentifier{OIDHMACWithSHA256}, sha256.New},
	{OIDSHA384, []asn1.ObjectIdentifier{OIDHMACWithSHA384}, sha512.New384},
	{OIDSHA512, []asn1.ObjectIdentifier{OIDHMACWithSHA512}, sha512.New},
}

func hashFor(oid asn1.ObjectIdentifier) func() hash.Hash {
	for _, d := range digests {
		if d.hash.Equal(oid) {
			return d.new
		}
	}
	return nil
}

func hmacFor(oid asn1.ObjectIdentifier) func() hash.Hash {
	for _, d := range digests {
		for _, h := range d.hmacs {
			if h.Equal(oid) {
				return d.new
			}
		}
	}
	return nil
}

// MACProtected reports whether the message claims MAC-based protection (PasswordBasedMac or PBMAC1), so
// a server knows to look the secret up by senderKID and call VerifyMAC.
func (m *Message) MACProtected() bool { return isMAC(m.Header.ProtectionAlg.Algorithm) }

// isMAC reports whether a protectionAlg is MAC based.
func isMAC(alg asn1.ObjectIdentifier) bool {
	return alg.Equal(OIDPasswordBasedMac) || alg.Equal(OIDPBMAC1)
}

// Protect sets the protection of m with p: it fills the header fields p decides, computes the protection
// over ProtectedPart (RFC 9810 §5.1.3) and puts p's certificates first in extraCerts (RFC 9483 §3.3).
func (m *Message) Protect(p Protector) error {
	extra, err := p.setup(&m.Header)
	if err != nil {
		return err
	}
	m.Reencode()
	part, err := m.protectedPart()
	if err != nil {
		return err
	}
	if m.Protection, err = p.compute(m.Header.ProtectionAlg, part); err != nil {
		return err
	}
	if len(extra) > 0 {
		m.ExtraCerts = append(extra, m.ExtraCerts...)
	}
	return nil
}

// VerifyMAC checks MAC-based protection with the shared secret.
func (m *Message) VerifyMAC(secret []byte) error {
	if m.Header.ProtectionAlg.Algorithm == nil || len(m.Protection) == 0 {
		return fail(CodeUnprotected, nil, "%v without protection", m.Body.Type)
	}
	if !isMAC(m.Header.ProtectionAlg.Algorithm) {
		return fail(CodeBadProtection, nil, "protected by %v, not by the shared secret", m.Header.ProtectionAlg.Algorithm)
	}
	part, err := m.protectedPart()
	if err != nil {
		return err
	}
	want, err := computeMAC(m.Header.ProtectionAlg, secret, part)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, m.Protection) != 1 {
		return fail(CodeBadProtection, nil, "MAC does not verify")
	}
	return nil
}

// VerifySignature checks signature-based protection (RFC 9810 §5.1.3.3, RFC 9483 §3.5): the protection
// certificate is the extraCerts entry whose subject key id is senderKID (the first one when senderKID is
// absent); it must chain to anchors at time now, with the other extraCerts as intermediates, allow
// digitalSignature, and its subject must be the sender. It returns the protection certificate.
func (m *Message) VerifySignature(anchors *x509.CertPool, now time.Time) (*x509.Certificate, error) {
	return m.verifySignature(anchors, now, x509.KeyUsageDigitalSignature)
}

// VerifyRequestSignature is VerifySignature for a CA checking a request: the protection certificate may
// also carry nonRepudiation (contentCommitment) without digitalSignature, as qualified signature
// certificates do, because RFC 9483 §4.1.3 has a kur protected by the very certificate being renewed.
// The caller must then accept such a signer only for the renewal of that certificate.
func (m *Message) VerifyRequestSignature(anchors *x509.CertPool, now time.Time) (*x509.Certificate, error) {
	return m.verifySignature(anchors, now, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment)
}

// verifySignature checks the protection; the signer's keyUsage, when present, must have one of usages.
func (m *Message) verifySignature(anchors *x509.CertPool, now time.Time, usages x509.KeyUsage) (*x509.Certificate, error) {
	if m.Header.ProtectionAlg.Algorithm == nil || len(m.Protection) == 0 {
		return nil, fail(CodeUnprotected, nil, "%v without protection", m.Body.Type)
	}
	if isMAC(m.Header.ProtectionAlg.Algorithm) {
		return nil, fail(CodeBadProtection, nil, "protected by a shared-secret MAC, a signature was expected")
	}
	certs := make([]*x509.Certificate, 0, len(m.ExtraCerts))
	for _, der := range m.ExtraCerts {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, malformed("extraCerts", err)
		}
		certs = append(certs, c)
	}
	var signer *x509.Certificate
	for _, c := range certs {
		if len(m.Header.SenderKID) == 0 || bytes.Equal(c.SubjectKeyId, m.Header.SenderKID) {
			signer = c
			break
		}
	}
	if signer == nil {
		return nil, fail(CodeUntrustedSigner, nil, "no certificate in extraCerts for senderKID %x", m.Header.SenderKID)
	}
	part, err := m.protectedPart()
	if err != nil {
		return nil, err
	}
	if err := verifySignature(m.Header.ProtectionAlg, signer.PublicKey, part, m.Protection); err != nil {
		return nil, fail(CodeBadProtection, err, "signature by %q", signer.Subject.String())
	}
	if err := verifyChain(signer, certs, anchors, now); err != nil {
		return nil, fail(CodeUntrustedSigner, err, "protection certificate %q", signer.Subject.String())
	}
	if signer.KeyUsage != 0 && signer.KeyUsage&usages == 0 {
		return nil, fail(CodeUntrustedSigner, nil, "protection certificate %q may not sign CMP messages (keyUsage)", signer.Subject.String())
	}
	if name, ok := m.Header.Sender.Name(); !ok || !bytes.Equal(name, signer.RawSubject) {
		return nil, fail(CodeUntrustedSigner, nil, "sender is not the subject of the protection certificate %q", signer.Subject.String())
	}
	return signer, nil
}

func verifyChain(c *x509.Certificate, others []*x509.Certificate, anchors *x509.CertPool, now time.Time) error {
	if anchors == nil {
		return fmt.Errorf("no trust anchors configured")
	}
	inter := x509.NewCertPool()
	for _, o := range others {
		if o != c {
			inter.AddCert(o)
		}
	}
	_, err := c.Verify(x509.VerifyOptions{Roots: anchors, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

// sigAlg is one signature algorithm: its identifier (RFC 9481 §3) and the hash a crypto.Signer gets.
type sigAlg struct {
	oid   asn1.ObjectIdentifier
	null  bool // parameters NULL (RSA, RFC 4055 §5) or absent (ECDSA, EdDSA)
	hash  crypto.Hash
	isRSA bool
}

var sigAlgs = []sigAlg{
	{OIDSHA256WithRSA, true, crypto.SHA256, true},
	{OIDSHA384WithRSA, true, crypto.SHA384, true},
	{OIDSHA512WithRSA, true, crypto.SHA512, true},
	{OIDECDSAWithSHA256, false, crypto.SHA256, false},
	{OIDECDSAWithSHA384, false, crypto.SHA384, false},
	{OIDECDSAWithSHA512, false, crypto.SHA512, false},
	{OIDEd25519, false, 0, false},
}

// signatureAlgorithmFor picks the algorithm for a key: RSA PKCS #1 v1.5 with SHA-256 (what CNS cards
// do), ECDSA with the hash matching the curve (RFC 5480 §4), Ed25519.
func signatureAlgorithmFor(pub crypto.PublicKey) (pkix.AlgorithmIdentifier, crypto.Hash, error) {
	var a sigAlg
	switch k := pub.(type) {
	case *rsa.PublicKey:
		a = sigAlgs[0]
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P384():
			a = sigAlgs[4]
		case elliptic.P521():
			a = sigAlgs[5]
		default:
			a = sigAlgs[3]
		}
	case ed25519.PublicKey:
		a = sigAlgs[6]
	default:
		return pkix.AlgorithmIdentifier{}, 0, fail(CodeUnsupported, nil, "key type %T", pub)
	}
	id := pkix.AlgorithmIdentifier{Algorithm: a.oid}
	if a.null {
		id.Parameters = asn1.NullRawValue
	}
	return id, a.hash, nil
}

// signWith signs data with key, returning the algorithm identifier and the signature.
func signWith(key crypto.Signer, data []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	alg, h, err := signatureAlgorithmFor(key.Public())
	if err != nil {
		return alg, nil, err
	}
	digest := data
	var opts crypto.SignerOpts = crypto.Hash(0)
	if h != 0 {
		hh := h.New()
		hh.Write(data)
		digest, opts = hh.Sum(nil), h
	}
	sig, err := key.Sign(rand.Reader, digest, opts)
	if err != nil {
		return alg, nil, err // the signer's own error (e.g. the card's), unchanged for the caller
	}
	return alg, sig, nil
}

// verifySignature checks sig over data by pub with the algorithm alg.
func verifySignature(alg pkix.AlgorithmIdentifier, pub crypto.PublicKey, data, sig []byte) error {
	var a *sigAlg
	for i := range sigAlgs {
		if sigAlgs[i].oid.Equal(alg.Algorithm) {
			a = &sigAlgs[i]
		}
	}
	if a == nil {
		return fail(CodeUnsupported, nil, "signature algorithm %v", alg.Algorithm)
	}
	var digest []byte
	if a.hash != 0 {
		h := a.hash.New()
		h.Write(data)
		digest = h.Sum(nil)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if a.isRSA {
			return rsa.VerifyPKCS1v15(k, a.hash, digest, sig)
		}
	case *ecdsa.PublicKey:
		if !a.isRSA && a.hash != 0 {
			if !ecdsa.VerifyASN1(k, digest, sig) {
				return fmt.Errorf("ECDSA signature does not verify")
			}
			return nil
		}
	case ed25519.PublicKey:
		if a.hash == 0 {
			if !ed25519.Verify(k, data, sig) {
				return fmt.Errorf("Ed25519 signature does not verify")
			}
			return nil
		}
	}
	return fmt.Errorf("algorithm %v does not fit a %T key", alg.Algorithm, pub)
}
