package signcert

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

func codes(ws []Warning) string {
	var s []string
	for _, w := range ws {
		if w.IT == "" || w.EN == "" {
			s = append(s, "MISSING-TEXT")
		}
		s = append(s, w.Code)
	}
	return strings.Join(s, ",")
}

// TestChoose: the nonRepudiation certificate wins over the CNS one in any order; a card with only the
// CNS certificate gets it with the not-qualified warning; a 1024-bit RSA certificate gets the weak-key
// warning; expired certificates are flagged.
func TestChoose(t *testing.T) {
	pki := signtest.NewPKI(t)
	now := time.Now()
	for _, order := range [][]*x509.Certificate{
		{pki.Auth.Cert(), pki.Signer.Cert(), pki.Intermediate.Cert()},
		{pki.Signer.Cert(), pki.Auth.Cert()},
	} {
		c, err := Choose(order, now)
		if err != nil || c.Certificate != pki.Signer.Cert() || !c.Qualified || len(c.Warnings) != 0 {
			t.Fatalf("%+v %v", c, err)
		}
	}
	c, err := Choose([]*x509.Certificate{pki.Auth.Cert()}, now)
	if err != nil || c.Qualified || codes(c.Warnings) != WarnNotQualified {
		t.Fatalf("CNS only: %+v %v", c, err)
	}
	if !strings.Contains(c.Warnings[0].IT, "NON è una firma digitale qualificata") || !strings.Contains(c.Warnings[0].EN, "NOT a qualified") {
		t.Fatal(c.Warnings[0])
	}
	old := signtest.Issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "CNS 1.0"}, KeyUsage: x509.KeyUsageContentCommitment,
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
	}, signtest.RSAKey(t, 1024), pki.Intermediate).Cert()
	if got := codes(Check(old, now)); got != WarnWeakKey+","+WarnExpired {
		t.Fatalf("weak expired: %s", got)
	}
	if _, err := Choose([]*x509.Certificate{pki.Root.Cert()}, now); err == nil {
		t.Fatal("a CA certificate was chosen")
	}
}

// TestCompleteChain: the leaf's issuers are found in a shuffled pool with unrelated certificates, up to
// the root; a pool without the intermediate leaves the leaf alone.
func TestCompleteChain(t *testing.T) {
	pki := signtest.NewPKI(t)
	other := signtest.NewPKI(t)
	pool := []*x509.Certificate{other.Intermediate.Cert(), pki.Root.Cert(), other.Root.Cert(), pki.Intermediate.Cert()}
	got := CompleteChain(pki.Signer.Cert(), pool)
	if len(got) != 3 || got[1] != pki.Intermediate.Cert() || got[2] != pki.Root.Cert() {
		t.Fatalf("chain of %d", len(got))
	}
	if got := CompleteChain(pki.Signer.Cert(), []*x509.Certificate{pki.Root.Cert()}); len(got) != 1 {
		t.Fatalf("chain of %d without the intermediate", len(got))
	}
}
