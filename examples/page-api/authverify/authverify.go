// Package authverify checks, on a web site's server, the answer of Ponte's page API `authenticate`
// (docs/page-api.md, "Authentication"): a signature made by the card's authentication (CNS) key over
// bytes bound to the site's origin and to a nonce the server issued, plus the certificate.
//
// The bytes the card signs are, as in Web eID's token format "web-eid:1.0":
//
//	tbs = H(origin) ‖ H(nonce)
//
// where origin is the ASCII serialisation of the page's origin (HTML Standard, "serialization of an
// origin": "https://servizi.comune.it", no path, no default port) as the browser reports it, nonce is the
// base64 text the server issued (its ASCII bytes), and H is the hash of the signature algorithm (SHA-256
// for RSA and P-256 keys, SHA-384 for P-384, SHA-512 for P-521). The card then signs tbs with that
// algorithm: RSASSA-PKCS1-v1_5 (RFC 8017, §8.2) over H(tbs), or ECDSA over H(tbs) (ASN.1 DER
// Ecdsa-Sig-Value, RFC 5480).
//
// tbs is exactly 2·|H| bytes (64 for SHA-256), so the signed digest H(tbs) is never the digest of a TLS
// handshake: a TLS 1.2 CertificateVerify (RFC 5246, §7.4.8) signs H(handshake_messages), and the
// messages up to it (ClientHello ≥ 45 bytes, ServerHello ≥ 42, Certificate, ...) are longer than 64
// bytes; a TLS 1.3 one (RFC 8446, §4.4.3) signs H(64 × 0x20 ‖ context string ‖ 0x00 ‖ transcript hash),
// at least 130 bytes. Equal digests over different inputs would be a collision of H.
//
// The package uses only the standard library: copy it or import it.
package authverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Format is the "format" field of an authentication token.
const Format = "ponte-auth:1"

// Nonce limits: at least 32 random bytes (Web eID's minimum: 256 bits of entropy against guessing),
// at most 128 so a request stays small.
const (
	MinNonceBytes = 32
	MaxNonceBytes = 128
)

// NewNonce returns a fresh nonce of 32 random bytes in base64, to store in the server-side session
// and hand to the page.
func NewNonce() (string, error) {
	b := make([]byte, MinNonceBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// CheckNonce accepts only the canonical standard base64 (RFC 4648, §4, with padding) of 32 to 128 bytes.
func CheckNonce(nonce string) error {
	if len(nonce) > base64.StdEncoding.EncodedLen(MaxNonceBytes) {
		return fmt.Errorf("authverify: nonce of %d characters, at most %d", len(nonce), base64.StdEncoding.EncodedLen(MaxNonceBytes))
	}
	b, err := base64.StdEncoding.Strict().DecodeString(nonce)
	if err != nil || base64.StdEncoding.EncodeToString(b) != nonce {
		return errors.New("authverify: nonce is not canonical base64")
	}
	if len(b) < MinNonceBytes || len(b) > MaxNonceBytes {
		return fmt.Errorf("authverify: nonce of %d bytes, want %d to %d", len(b), MinNonceBytes, MaxNonceBytes)
	}
	return nil
}

// Token is the result of `authenticate` as the page received it (base64 fields, JSON names).
type Token struct {
	Format      string `json:"format"`
	Algorithm   string `json:"algorithm"`   // "RS256", "ES256", "ES384", "ES512" (RFC 7518, §3.1)
	Signature   string `json:"signature"`   // base64; ECDSA as ASN.1 DER
	Certificate string `json:"certificate"` // base64 DER of the authentication certificate
}

// Algorithm names the signature algorithm of the key, as RFC 7518 (JOSE) does, with its hash.
func Algorithm(pub crypto.PublicKey) (string, crypto.Hash, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RS256", crypto.SHA256, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", crypto.SHA256, nil
		case elliptic.P384():
			return "ES384", crypto.SHA384, nil
		case elliptic.P521():
			return "ES512", crypto.SHA512, nil
		}
	}
	return "", 0, fmt.Errorf("authverify: unsupported key %T", pub)
}

// SignedData returns tbs = H(origin) ‖ H(nonce), the bytes the card signs (with H(tbs) as the digest).
func SignedData(h crypto.Hash, origin, nonce string) []byte {
	d := h.New()
	d.Write([]byte(origin))
	out := d.Sum(nil)
	d.Reset()
	d.Write([]byte(nonce))
	return d.Sum(out)
}

// Digest is H(tbs): what the card's key actually signs.
func Digest(h crypto.Hash, origin, nonce string) []byte {
	d := h.New()
	d.Write(SignedData(h, origin, nonce))
	return d.Sum(nil)
}

// Options is what the server knows and trusts.
type Options struct {
	Origin        string             // the site's own origin, e.g. "https://servizi.comune.it"
	Nonce         string             // the nonce this session issued (used once: forget it after Verify)
	Roots         *x509.CertPool     // the CAs that issue authentication certificates (e.g. CNS issuers)
	Intermediates *x509.CertPool     // optional
	Now           time.Time          // zero: time.Now()
	KeyUsages     []x509.ExtKeyUsage // default: client authentication
}

// Verify checks the token against the origin, the nonce, the certificate's chain and validity, and
// returns the holder's certificate. Every failure is an error; nothing is accepted partially.
func Verify(t Token, o Options) (*x509.Certificate, error) {
	if t.Format != Format {
		return nil, fmt.Errorf("authverify: format %q, want %q", t.Format, Format)
	}
	if err := CheckNonce(o.Nonce); err != nil {
		return nil, err
	}
	if o.Origin == "" || o.Roots == nil {
		return nil, errors.New("authverify: the site's origin and its trusted roots are required")
	}
	der, err := base64.StdEncoding.Strict().DecodeString(t.Certificate)
	if err != nil {
		return nil, fmt.Errorf("authverify: certificate is not base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("authverify: certificate: %w", err)
	}
	alg, h, err := Algorithm(cert.PublicKey)
	if err != nil {
		return nil, err
	}
	if t.Algorithm != alg {
		return nil, fmt.Errorf("authverify: algorithm %q for a key that signs %s", t.Algorithm, alg)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(t.Signature)
	if err != nil {
		return nil, fmt.Errorf("authverify: signature is not base64: %w", err)
	}
	if err := checkSignature(cert.PublicKey, h, Digest(h, o.Origin, o.Nonce), sig); err != nil {
		return nil, err
	}
	if err := authenticationKey(cert); err != nil {
		return nil, err
	}
	usages := o.KeyUsages
	if usages == nil {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: o.Roots, Intermediates: o.Intermediates, CurrentTime: now, KeyUsages: usages}); err != nil {
		return nil, fmt.Errorf("authverify: certificate: %w", err)
	}
	return cert, nil
}

// authenticationKey refuses a certificate that is not for authentication: keyUsage must be there with
// digitalSignature (RFC 5280, §4.2.1.3) and without nonRepudiation (contentCommitment). The page API's
// sign has the signature (nonRepudiation) key sign any digest an allow-listed page chooses, so any page
// could have it sign Digest(this site's origin, this site's nonce): a token with such a certificate
// proves nothing (docs/page-api.md, "Verifying a token").
func authenticationKey(cert *x509.Certificate) error {
	if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errors.New("authverify: the certificate's key is not for digital signatures (authentication)")
	}
	if cert.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		return errors.New("authverify: a nonRepudiation (signature) certificate is not an authentication certificate")
	}
	return nil
}

func checkSignature(pub crypto.PublicKey, h crypto.Hash, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return errors.New("authverify: the signature does not verify for this origin and nonce")
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("authverify: the signature does not verify for this origin and nonce")
		}
	}
	return nil
}
