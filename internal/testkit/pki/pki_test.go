package pki_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"os/exec"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestChainVerifiesWithOpenSSL: a root, an intermediate and a leaf made with the defaults form a chain
// that openssl verify (not our code) accepts, the leaf's validity is the documented default, and the
// templates are left as they were.
func TestChainVerifiesWithOpenSSL(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	root := pki.Issue(t, caTmpl("Root"), pki.RSAKey(t, 2048), nil)
	inter := pki.Issue(t, caTmpl("Intermediate"), pki.ECKey(t), root)
	leafTmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "ROSSI MARIO"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	before := time.Now()
	leaf := pki.Issue(t, leafTmpl, pki.ECKey(t), inter)

	if leafTmpl.SerialNumber != nil || !leafTmpl.NotBefore.IsZero() {
		t.Fatal("the template was modified")
	}
	if len(leaf.Chain) != 3 || leaf.Chain[1] != inter.Cert() || leaf.Chain[2] != root.Cert() {
		t.Fatalf("chain %v", leaf.Chain)
	}
	c := leaf.Cert()
	if c.SerialNumber.Sign() <= 0 || len(c.SerialNumber.Bytes()) > 20 || c.SerialNumber.Cmp(inter.Cert().SerialNumber) == 0 {
		t.Fatalf("serial %v (RFC 5280 §4.1.2.2: positive, at most 20 octets, unique)", c.SerialNumber)
	}
	if nb := c.NotBefore; nb.After(before) || nb.Before(before.Add(-time.Hour-2*time.Second)) || !c.NotAfter.Equal(nb.AddDate(1, 0, 0)) {
		t.Fatalf("validity %v .. %v", c.NotBefore, c.NotAfter)
	}

	dir := t.TempDir()
	write := func(name string, c *x509.Certificate) string { return signtest.WritePEM(t, dir, name, c) }
	args := []string{"verify", "-CAfile", write("root.pem", root.Cert()), "-untrusted", write("inter.pem", inter.Cert()), "-purpose", "sslclient"}
	if out, err := exec.Command(openssl, append(args, write("leaf.pem", c))...).CombinedOutput(); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	// The same leaf against another root must fail: the check above can fail.
	other := pki.SelfSigned(t, caTmpl("Root"))
	args[2] = write("other.pem", other.Cert())
	if out, err := exec.Command(openssl, append(args, write("leaf.pem", c))...).CombinedOutput(); err == nil {
		t.Fatalf("openssl verify accepted the leaf under a foreign root:\n%s", out)
	}
}

// TestCertifyWithoutKey: a missing signing key is an error, not a panic inside crypto/x509.
func TestCertifyWithoutKey(t *testing.T) {
	if _, err := pki.Certify(&x509.Certificate{}, pki.ECKey(t).Public(), nil, nil); err == nil {
		t.Fatal("no error")
	}
}
