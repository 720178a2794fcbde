// Package pki is the test kit's one certificate factory. Every test, fixture and kit command that needs an
// X.509 certificate (a test CA, a card's certificates, a TLS site, a trusted-list signer, a deliberately
// weak or expired certificate) makes it here, so the defaults — serial, validity — are chosen once.
// The product's certificates come from ponte-ca (internal/ca), never from here.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"
)

// Identity is a key with its certificate chain (leaf first, root last).
type Identity struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// Cert is the leaf certificate.
func (id *Identity) Cert() *x509.Certificate { return id.Chain[0] }

// Certify makes a certificate from tmpl for pub, signed by parent with parentKey; a nil parent makes it
// self-signed (parentKey is then pub's own key). tmpl is not modified. What tmpl leaves out is filled in:
// a random positive 127-bit serial (RFC 5280 §4.1.2.2: unique per issuer, at most 20 octets), NotBefore an
// hour ago (tolerates clock skew between the test and the tools it drives), NotAfter a year after
// NotBefore.
func Certify(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, error) {
	if parentKey == nil {
		return nil, errors.New("pki: no signing key")
	}
	c := *tmpl
	if c.SerialNumber == nil {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
		if err != nil {
			return nil, err
		}
		c.SerialNumber = n.Add(n, big.NewInt(1))
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = time.Now().Add(-time.Hour)
	}
	if c.NotAfter.IsZero() {
		c.NotAfter = c.NotBefore.AddDate(1, 0, 0)
	}
	if parent == nil {
		parent = &c
	}
	der, err := x509.CreateCertificate(rand.Reader, &c, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// MustCertify is Certify that fails the test on error.
func MustCertify(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	c, err := Certify(tmpl, pub, parent, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue makes key's identity from tmpl, signed by parent (nil: self-signed); its chain is the new
// certificate followed by parent's.
func Issue(t testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *Identity) *Identity {
	t.Helper()
	if parent == nil {
		return &Identity{Key: key, Chain: []*x509.Certificate{MustCertify(t, tmpl, key.Public(), nil, key)}}
	}
	c := MustCertify(t, tmpl, key.Public(), parent.Cert(), parent.Key)
	return &Identity{Key: key, Chain: append([]*x509.Certificate{c}, parent.Chain...)}
}

// SelfSigned is a self-signed identity from tmpl with a fresh P-256 key.
func SelfSigned(t testing.TB, tmpl *x509.Certificate) *Identity {
	t.Helper()
	return Issue(t, tmpl, ECKey(t), nil)
}

// RSAKey returns a new RSA key of bits.
func RSAKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ECKey returns a new P-256 key (fast to generate where the key type is not what is tested).
func ECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
