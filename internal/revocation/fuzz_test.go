package revocation

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// FuzzVerify: any bytes as an OCSP response give a Result, never a panic; bytes not signed by the
// issuer are never Good.
func FuzzVerify(f *testing.F) {
	ca := pki.SelfSigned(f, &x509.Certificate{Subject: pkix.Name{CommonName: "CA"}, IsCA: true,
		BasicConstraintsValid: true, NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature})
	issuer, key := ca.Cert(), ca.Key
	leaf := pki.Issue(f, &x509.Certificate{Subject: pkix.Name{CommonName: "leaf"}, NotAfter: issuer.NotAfter}, key, ca).Cert()
	good, _ := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: leaf.SerialNumber,
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, key)
	other := pki.ECKey(f)
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
