package e2e

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestVerifyVerdictsInBrowser: the Verifica page gives one verdict per signature, from .p7m files openssl
// made with certificates the bed's CA issued: a current certificate → VALIDA (OCSP good); a certificate
// that expired yesterday, signed the day before with openssl under faketime (its only time is the
// signer's own signingTime) → NON VERIFICABILE, OUT_OF_BOUNDS_NO_POE; the valid .p7m signed again
// (a "matrioska") → two envelope levels shown, each with its signature. Screenshots of each.
func TestVerifyVerdictsInBrowser(t *testing.T) {
	openssl, faketime := testenv.Tool(t, "openssl"), testenv.Tool(t, "faketime")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ctx, _ := signPage(t, bed)
	dir := t.TempDir()
	run := func(args ...string) { signtest.Run(t, openssl, args...) }
	key := filepath.Join(dir, "rossi.key")
	run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
	caPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(caPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bed.CA.Cert.Raw}), 0o644)
	now := time.Now()
	issue := func(name string, from, to time.Time) string {
		spki := publicKeyOf(t, openssl, key)
		subj, _ := asn1.Marshal(pkix.Name{CommonName: "ROSSI MARIO", Country: []string{"IT"}}.ToRDNSequence())
		c, err := bed.CA.Issue(context.Background(), &ca.Request{Subject: subj, SPKI: spki, Role: profile.RoleSignature,
			NotBefore: from, NotAfter: to, Profile: "firma"})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".pem")
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
		return p
	}
	valid := issue("valid", now.Add(-time.Hour), now.Add(365*24*time.Hour))
	expired := issue("expired", now.Add(-72*time.Hour), now.Add(-24*time.Hour))
	doc := filepath.Join(dir, "atto.txt")
	os.WriteFile(doc, []byte("Determina n. 7: affidamento del servizio.\n"), 0o644)
	sign := func(in, cert, out string, extra ...string) string {
		args := append([]string{"cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER", "-in", in,
			"-signer", cert, "-inkey", key, "-certfile", caPEM, "-out", out}, extra...)
		run(args...)
		return out
	}
	validP7M := sign(doc, valid, filepath.Join(dir, "atto.txt.p7m"))
	expiredP7M := filepath.Join(dir, "scaduto.txt.p7m")
	signtest.Run(t, faketime, "-f", "-2d", openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256",
		"-outform", "DER", "-in", doc, "-signer", expired, "-inkey", key, "-certfile", caPEM, "-out", expiredP7M)
	nested := sign(validP7M, valid, filepath.Join(dir, "atto.txt.p7m.p7m"))
	// openssl agrees the expired one is refused now.
	if out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", expiredP7M, "-CAfile", caPEM, "-out", os.DevNull).CombinedOutput(); err == nil || !strings.Contains(string(out), "certificate has expired") {
		t.Fatalf("openssl cms -verify on the expired .p7m: %v\n%s", err, out)
	}

	verify := func(file, sel string) string {
		t.Helper()
		within(t, ctx, 90*time.Second,
			chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{file}),
			chromedp.Click(chromedp.CSS("#verify-go")),
			chromedp.WaitVisible(chromedp.CSS(sel)),
		)
		return text(t, ctx, "#verify-result")
	}
	res := verify(validP7M, `#verify-result[data-signatures="1"] article[data-verdict="valid"]`)
	for _, want := range []string{"ROSSI MARIO", "VALIDA", "EN 319 102-1 TOTAL-PASSED", "non revocato"} {
		if !strings.Contains(res, want) {
			t.Fatalf("valid .p7m lacks %q:\n%s", want, res)
		}
	}
	shot(t, ctx, "verify-verdict-valid")

	res = verify(expiredP7M, `#verify-result[data-signatures="1"] article[data-verdict="cannot-verify"]`)
	for _, want := range []string{"NON VERIFICABILE", "INDETERMINATE / OUT_OF_BOUNDS_NO_POE", "il certificato è scaduto", "dichiarata dal firmatario"} {
		if !strings.Contains(res, want) {
			t.Fatalf("expired .p7m lacks %q:\n%s", want, res)
		}
	}
	shot(t, ctx, "verify-verdict-expired")

	res = verify(nested, `#verify-result[data-signatures="2"] article[data-layer="2"]`)
	if strings.Count(res, "livello 1 di 2") != 1 || strings.Count(res, "livello 2 di 2") != 1 || strings.Count(res, "TOTAL-PASSED") != 2 {
		t.Fatalf("nested .p7m:\n%s", res)
	}
	shot(t, ctx, "verify-verdict-nested")
}

// publicKeyOf is the SubjectPublicKeyInfo (DER) of the key in the PEM file, as openssl writes it.
func publicKeyOf(t *testing.T, openssl, key string) []byte {
	t.Helper()
	out := key + ".pub.der"
	signtest.Run(t, openssl, "pkey", "-in", key, "-pubout", "-outform", "DER", "-out", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKIXPublicKey(b); err != nil {
		t.Fatal(err)
	}
	return b
}
