package pcscdtest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// Cert makes a self-signed RSA certificate for a virtual card: the CNS authentication certificate
// (policy 1.3.76.16.2.1, digitalSignature) when signature is false, a nonRepudiation one otherwise.
func Cert(t testing.TB, commonName string, signature bool) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: commonName, Country: []string{"IT"}},
		NotBefore: time.Now().Add(-time.Hour),
		NotAfter:  time.Now().Add(6 * 365 * 24 * time.Hour),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	if signature {
		tmpl.KeyUsage = x509.KeyUsageContentCommitment
	} else {
		tmpl.PolicyIdentifiers = []asn1.ObjectIdentifier{{1, 3, 76, 16, 2, 1}}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return pki.Issue(t, tmpl, pki.RSAKey(t, 2048), nil).Cert().Raw
}
