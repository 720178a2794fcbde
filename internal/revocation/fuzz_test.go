package revocation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// FuzzVerify: any bytes as an OCSP response give a Result, never a panic; bytes not signed by the
// issuer are never Good.
func FuzzVerify(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	issuer, _ := x509.ParseCertificate(der)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter}
	der, _ = x509.CreateCertificate(rand.Reader, leafT, issuer, key.Public(), key)
	leaf, _ := x509.ParseCertificate(der)
	good, _ := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: leaf.SerialNumber,
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, key)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: leaf.SerialNumber,
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, other)
	f.Add(good)
	f.Add(forged)
	f.Add(ocsp.TryLaterErrorResponse)
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x00})
	var c Checker
	f.Fuzz(func(t *testing.T, b []byte) {
		r := c.verify(b, leaf, issuer, Result{})
		if r.Status == "" {
			t.Fatal("no status")
		}
		if r.Status == Good {
			if _, err := ocsp.ParseResponseForCert(b, leaf, issuer); err != nil {
				t.Fatalf("good without a valid signature: %v", err)
			}
		}
	})
}
