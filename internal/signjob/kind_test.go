package signjob

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// The verification says what kind of certificate signed: a signature certificate, or the CNS
// authentication one ("NOT a qualified signature", with the reason); a weak RSA key is named. The
// signature itself stays valid: the kind is information, integrity and chain decide validity.
func TestKindLine(t *testing.T) {
	pki := signtest.NewPKI(t)
	weak := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "DEBOLE"},
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageContentCommitment}, signtest.RSAKey(t, 1024), pki.Intermediate)
	pool := []*x509.Certificate{pki.Intermediate.Cert(), pki.Root.Cert()}
	for _, c := range []struct {
		cert   *x509.Certificate
		key    crypto.Signer
		it, en string
	}{
		{pki.Signer.Cert(), pki.Signer.Key, "certificato di firma (uso \"non ripudio\")", "signature certificate"},
		{pki.Auth.Cert(), pki.Auth.Key, "NON è una firma qualificata: è stata fatta con il certificato di autenticazione CNS", "NOT a qualified signature: it was made with the CNS authentication certificate"},
		{weak.Cert(), weak.Key, "chiave RSA a 1024 bit, sotto i 2048", "RSA key of 1024 bits, under the 2048"},
	} {
		cert, err := Pick(card(map[string]*x509.Certificate{"01": c.cert}), "", pool, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		src := docio.Bytes([]byte("lettera\n"))
		job, err := Prepare(context.Background(), src, cert, Options{Format: CAdES})
		if err != nil {
			t.Fatal(err)
		}
		sig, err := c.key.Sign(nil, job.Digest(), job.SignerOpts())
		if err != nil {
			t.Fatal(err)
		}
		parts, err := job.Finish(context.Background(), sig)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := docio.WriteParts(&out, src, parts); err != nil {
			t.Fatal(err)
		}
		rep, err := sigverify.File(docio.Bytes(out.Bytes()), nil, cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
		if err != nil || len(rep.Signers) != 1 || !rep.Signers[0].Integrity {
			t.Fatalf("%s: %+v %v", c.cert.Subject, rep, err)
		}
		it, en := ReportText("f", rep, "it"), ReportText("f", rep, "en")
		if !strings.Contains(it, "Tipo di firma:") || !strings.Contains(it, c.it) || !strings.Contains(en, "Signature type:") || !strings.Contains(en, c.en) {
			t.Errorf("%s:\n%s\n%s", c.cert.Subject, it, en)
		}
	}
}
