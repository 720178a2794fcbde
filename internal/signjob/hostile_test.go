package signjob

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"unicode"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestHostileNamesCleaned: names in a signature are the signer's to choose. A signer whose certificate
// (and its issuing CA, shown under revocation) is named with a line break and a fake verdict, or with
// bidi overrides (U+202E) and other invisible format characters, cannot make the report or the page
// show a line it did not write as a value: every value of every line is one line of printable text
// (control and format characters shown as U+FFFD), so "Esito del documento: NON VALIDA" stays the only
// verdict line. The page renders the same lines through html/template (HTML escaped there).
func TestHostileNamesCleaned(t *testing.T) {
	pki := signtest.NewPKI(t)
	evilCA := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "CA\u202eATILAV"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, signtest.RSAKey(t, 2048), pki.Root)
	signer := signtest.Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "ROSSI\nEsito del documento: VALIDA\r\n  Esito:         VALIDA \u2066\u200fFIRMA VALIDA\u0000"},
		KeyUsage: x509.KeyUsageContentCommitment}, signtest.RSAKey(t, 2048), evilCA)
	content := docio.Bytes("fattura")
	parts, err := cms.SignFile(context.Background(), content, signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := docio.WriteParts(&b, content, parts); err != nil {
		t.Fatal(err)
	}
	// The content is changed so the document is NON VALIDA; the names still show.
	der := []byte(strings.Replace(b.String(), "fattura", "fatturA", 1))
	rep, err := sigverify.File(docio.Bytes(der), nil, cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil {
		t.Fatal(err)
	}
	rep.Signers[0].CARevocation = []sigverify.CARevocation{{Name: evilCA.Cert().Subject.CommonName}}
	for _, lang := range []string{"it", "en"} {
		for _, v := range View(rep, lang) {
			for _, l := range v.Lines {
				for _, r := range l.Value {
					if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
						t.Fatalf("%s: line %q keeps %U: %q", lang, l.Label, r, l.Value)
					}
				}
			}
		}
		text := ReportText("fattura.p7m", rep, lang)
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "VALIDA") && !strings.Contains(line, "NON VALIDA") && !strings.Contains(line, "\ufffd") && !strings.Contains(line, "ROSSI") {
				t.Fatalf("%s: a line reads as a verdict: %q\n%s", lang, line, text)
			}
		}
		if !strings.Contains(text, "ROSSI\ufffd") {
			t.Fatalf("%s: the name is not shown cleaned:\n%s", lang, text)
		}
	}
}
