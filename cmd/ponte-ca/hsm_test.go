package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/testkit/hsmtest"
)

// TestHSMKey: a CA whose key is generated in a SoftHSM2 token serves real CMP traffic from openssl
// (ir under the profile's MAC, kur signed by the old certificate and answered under the CA key's
// signature), and the certificates, the CRL and the OCSP answers it signs verify with openssl against
// the CA certificate. The key never exists outside the token: pkcs11-tool sees it sensitive and never
// extractable, no file of the CA holds it, and the PIN is written nowhere. A second instance signs with
// the same token key; /healthz of both fails once the key is deleted from the token.
func TestHSMKey(t *testing.T) {
	tok := hsmtest.New(t)
	dir := filepath.Join(t.TempDir(), "ca")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--label", "k"}, "--label goes only with --pkcs11-module"},
		{[]string{"--pkcs11-module", tok.Module, "--pkcs11-token", tok.Label}, "PKCS#11 key: --pkcs11-pin-file missing"},
	} {
		if out, err := runCLI(t, append([]string{"init", "--dir", dir}, c.args...)...); err == nil || !strings.Contains(out, c.want) {
			t.Fatalf("init %v: %v\n%s", c.args, err, out)
		}
	}
	out := must(t, append([]string{"init", "--dir", dir, "--listen", "127.0.0.1:0"}, tokenArgs(tok)...)...)
	secret := regexp.MustCompile(`reference=demo secret=(\S+)`).FindStringSubmatch(out)
	if secret == nil {
		t.Fatalf("init did not print the ir secret:\n%s", out)
	}
	caPath := filepath.Join(dir, ca.CertFile)
	checkKeyOnlyInToken(t, tok, dir, caPath)

	// A second init on the same token and label refuses, and leaves neither a CA nor a second key.
	if out, err := runCLI(t, append([]string{"init", "--dir", dir + "2"}, tokenArgs(tok)...)...); err == nil || !strings.Contains(out, "already holds a key") {
		t.Fatalf("second init on the same key label: %v\n%s", err, out)
	}
	if _, err := os.Stat(dir + "2"); err == nil {
		t.Fatal("the refused init left a directory")
	}
	objects := mustTool(t, "pkcs11-tool", []string{"--module", tok.Module, "--token-label", tok.Label, "--login", "--pin", hsmtest.PIN, "--list-objects", "--type", "privkey"})
	if n := strings.Count(objects, "Private Key Object"); n != 1 {
		t.Fatalf("%d private keys on the token after a refused init:\n%s", n, objects)
	}

	// A card certificate inside the renewal window, issued by the CLI through the token.
	keyPath := filepath.Join(dir, "old-key.pem")
	newKeyPath := filepath.Join(dir, "new-key.pem")
	for _, p := range []string{keyPath, newKeyPath} {
		mustTool(t, "openssl", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p})
	}
	oldPath := filepath.Join(dir, "old.pem")
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", "/C=IT/CN=ANNA BIANCHI/serialNumber=TINIT-BNCNNA80A41H501X",
		"--not-before", time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02"), "--days", "1100", "--out", oldPath)

	s := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0")
	cmpArgs := func(more ...string) []string {
		return append([]string{"cmp", "-server", s.base, "-path", ".well-known/cmp/p/cns", "-msg_timeout", "20", "-total_timeout", "80"}, more...)
	}
	irPath := filepath.Join(dir, "ir.pem")
	mustTool(t, "openssl", cmpArgs("-cmd", "ir", "-ref", "demo", "-secret", "pass:"+secret[1], "-newkey", keyPath,
		"-subject", "/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U", "-certout", irPath), "received PKICONF")
	// kur: openssl checks the CA's signature protection against the HSM-held CA certificate (-trusted).
	newPath := filepath.Join(dir, "new.pem")
	mustTool(t, "openssl", cmpArgs("-cmd", "kur", "-cert", oldPath, "-key", keyPath, "-newkey", newKeyPath, "-trusted", caPath,
		"-implicit_confirm", "-certout", newPath), "received KUP")
	for _, c := range []string{oldPath, irPath, newPath} {
		mustTool(t, "openssl", []string{"verify", "-CAfile", caPath, c}, ": OK")
	}

	// Revocation: the CRL and OCSP, both signed in the token, verify and say so.
	must(t, "revoke", "--dir", dir, "--cert", irPath, "--reason", "1")
	crlPath := filepath.Join(dir, "crl.der")
	mustTool(t, "curl", []string{"-sSf", "-o", crlPath, s.base + "/crl"})
	mustTool(t, "openssl", []string{"crl", "-inform", "DER", "-in", crlPath, "-CAfile", caPath, "-noout"}, "verify OK")
	crlPEM := filepath.Join(dir, "crl.pem")
	mustTool(t, "openssl", []string{"crl", "-inform", "DER", "-in", crlPath, "-out", crlPEM})
	mustTool(t, "openssl", []string{"verify", "-crl_check", "-CRLfile", crlPEM, "-CAfile", caPath, newPath}, ": OK")
	if out, err := tool(t, "openssl", "verify", "-crl_check", "-CRLfile", crlPEM, "-CAfile", caPath, irPath); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("the revoked certificate verifies against the CRL: %v\n%s", err, out)
	}
	ocsp := func(s *server, cert, want string) {
		mustTool(t, "openssl", []string{"ocsp", "-issuer", caPath, "-cert", cert, "-url", s.base + "/ocsp", "-CAfile", caPath}, "Response verify OK", cert+": "+want)
	}
	ocsp(s, newPath, "good")
	ocsp(s, irPath, "revoked")
	// A second instance on the same token and database signs with the same key.
	s2 := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0")
	ocsp(s2, irPath, "revoked")
	checkKeyOnlyInToken(t, tok, dir, caPath)

	// A wrong PIN is refused once and not retried: the token's failure counter shows one failure.
	bad := filepath.Join(t.TempDir(), "bad-pin")
	os.WriteFile(bad, []byte("000000"), 0o600)
	if out, err := runCLI(t, "serve", "--dir", dir, "--pkcs11-pin-file", bad); err == nil || !strings.Contains(out, "CKR_PIN_INCORRECT") || !strings.Contains(out, "PIN not retried") {
		t.Fatalf("serve with a wrong PIN: %v\n%s", err, out)
	}
	info := mustTool(t, "pkcs11-tool", []string{"--module", tok.Module, "--token-label", tok.Label, "--list-token-slots"})
	if !strings.Contains(info, "user PIN count low") || strings.Contains(info, "final user PIN try") {
		t.Fatalf("the token's PIN counter after one wrong PIN:\n%s", info)
	}

	// /healthz signs with the token: ok while the key is there, 503 naming the key once it is gone.
	for _, s := range []*server{s, s2} {
		mustTool(t, "curl", []string{"-sSf", s.base + "/healthz"}, `"status":"ok"`, `"key":"ok"`)
	}
	mustTool(t, "pkcs11-tool", []string{"--module", tok.Module, "--token-label", tok.Label, "--login", "--pin", hsmtest.PIN,
		"--delete-object", "--type", "privkey", "--label", "ponte-ca"})
	for _, s := range []*server{s, s2} {
		// The key's check answers for up to a second (internal/ca keyCheckFor): wait for the next one.
		args := []string{"-sS", "-w", "%{http_code}", s.base + "/healthz"}
		for i := 0; i < 100; i++ {
			if out, _ := tool(t, "curl", args...); strings.HasSuffix(out, "503") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		mustTool(t, "curl", args, `"status":"failing","database":"ok","key":"chiave della CA non trovata sul token`, "}\n503")
	}
}

// checkKeyOnlyInToken asserts the CA key's private half is in the token, sensitive and never
// extractable (as pkcs11-tool reads CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE), that no
// file of the CA holds it (no ca-key.pem, no PEM private key whose public key is the CA's), and that
// the PIN appears in no file of the CA.
func checkKeyOnlyInToken(t *testing.T, tok *hsmtest.Token, dir, caPath string) {
	t.Helper()
	out := mustTool(t, "pkcs11-tool", []string{"--module", tok.Module, "--token-label", tok.Label, "--login", "--pin", hsmtest.PIN,
		"--list-objects", "--type", "privkey", "--label", "ponte-ca"}, "Private Key Object; EC")
	if !regexp.MustCompile(`Access:\s+sensitive, always sensitive, never extractable`).MatchString(out) || !regexp.MustCompile(`Usage:\s+sign\n`).MatchString(out) {
		t.Fatalf("the CA key's attributes on the token:\n%s", out)
	}
	tok.CheckSensitive(t, "ponte-ca")
	if _, err := os.Stat(filepath.Join(dir, ca.KeyFile)); err == nil {
		t.Fatalf("%s exists with the key in the token", ca.KeyFile)
	}
	caPEM, _ := os.ReadFile(caPath)
	caCert, err := ca.ParseCertificatePEM(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	caSPKI := caCert.RawSubjectPublicKeyInfo
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(hsmtest.PIN)) {
			t.Errorf("%s contains the PIN", p)
		}
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
				if spki, _ := x509.MarshalPKIXPublicKey(k.(crypto.Signer).Public()); bytes.Equal(spki, caSPKI) {
					t.Errorf("%s holds the CA's private key", p)
				}
			}
		}
		return nil
	})
}
