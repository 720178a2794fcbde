package main

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestVerifyExitCodes: `ponte verify` exits 0 for VALIDA (CON AVVERTENZE), 1 for NON VALIDA (a .p7m whose document was
// changed: HASH_FAILURE), 2 for NON VERIFICABILE (a certificate that expired, signed by openssl under
// faketime when it was valid, with only signingTime as its time: OUT_OF_BOUNDS_NO_POE; and a file that is
// no signature), saying the verdict and its ETSI indication (docs/signing.md, "Verdicts and exit codes").
func TestVerifyExitCodes(t *testing.T) {
	openssl, faketime := testenv.Tool(t, "openssl"), testenv.Tool(t, "faketime")
	bin := testenv.Build(t, "cmd/ponte", "ponte")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Intermediate.Cert())
	key := filepath.Join(dir, "signer.key")
	signtest.WriteKey(t, key, pki.Signer.Key)
	valid := signtest.WritePEM(t, dir, "valid.pem", pki.Signer.Cert())
	old := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ROSSI MARIO"}, KeyUsage: x509.KeyUsageContentCommitment,
		NotBefore: time.Now().Add(-4 * 24 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}, pki.Signer.Key, pki.Intermediate)
	expired := signtest.WritePEM(t, dir, "expired.pem", old.Cert())
	doc := filepath.Join(dir, "atto.txt")
	os.WriteFile(doc, []byte("Ordinanza n. 3 del sindaco.\n"), 0o644)
	sign := func(cert, out string, clock ...string) string {
		args := append(clock, openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER",
			"-in", doc, "-signer", cert, "-inkey", key, "-certfile", chain, "-out", out)
		signtest.Run(t, args[0], args[1:]...)
		return out
	}
	good := sign(valid, filepath.Join(dir, "good.p7m"))
	stale := sign(expired, filepath.Join(dir, "expired.p7m"), faketime, "-f", "-2d")
	b, _ := os.ReadFile(good)
	i := bytes.Index(b, []byte("Ordinanza n. 3"))
	b[i+len("Ordinanza n. ")] = '8' // the decree number changed inside the envelope
	changed := filepath.Join(dir, "changed.p7m")
	os.WriteFile(changed, b, 0o644)
	junk := filepath.Join(dir, "junk.p7m")
	os.WriteFile(junk, []byte("non è una firma"), 0o644)

	for _, tc := range []struct {
		name, file string
		code       int
		want       []string
	}{
		// Offline, revocation not checked: valid with that warning.
		{"valid", good, 0, []string{"Esito del documento: VALIDA CON AVVERTENZE\n", "stato di revoca non controllato", "EN 319 102-1 TOTAL-PASSED"}},
		{"changed", changed, 1, []string{"Esito del documento: NON VALIDA\n", "TOTAL-FAILED / HASH_FAILURE", "il contenuto è stato modificato"}},
		{"expired", stale, 2, []string{"Esito del documento: NON VERIFICABILE\n", "INDETERMINATE / OUT_OF_BOUNDS_NO_POE", "dichiarata dal firmatario"}},
		{"not a signature", junk, 2, []string{"non è una busta di firma CMS"}},
	} {
		cmd := exec.Command(bin, "verify", tc.file, "--anchors", ca, "--offline")
		cmd.Env = append(os.Environ(), "PONTE_TSL_URL=off")
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, tc.code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: lacks %q\n%s", tc.name, w, out)
			}
		}
	}
	// openssl agrees the expired one is refused now, for the certificate.
	if out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", stale, "-CAfile", ca, "-certfile", chain, "-out", os.DevNull).CombinedOutput(); err == nil || !strings.Contains(string(out), "certificate has expired") {
		t.Errorf("openssl on the expired .p7m: %v\n%s", err, out)
	}
}
