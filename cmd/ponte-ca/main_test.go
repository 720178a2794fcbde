package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"github.com/ponte-it/ponte/internal/renew"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ponte-ca-test")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "ponte-ca")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", bin, ".")...).CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	pgcluster.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

func must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("ponte-ca %v: %v\n%s", args, err, out)
	}
	return out
}

func TestCLI(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	dir := filepath.Join(t.TempDir(), "ca")
	out := must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	m := regexp.MustCompile(`id=demo password=(\S+) credito/balance=50,00 €`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("init did not print the demo account:\n%s", out)
	}
	if _, err := runCLI(t, "init", "--dir", dir); err == nil {
		t.Fatal("init twice succeeded")
	}
	// issue from a PUBLIC key with an RFC 4514 subject, role signature.
	key := filepath.Join(dir, "k.pem")
	pub := filepath.Join(dir, "pub.pem")
	for _, args := range [][]string{{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key}, {"pkey", "-in", key, "-pubout", "-out", pub}} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	certPath := filepath.Join(dir, "sig.pem")
	must(t, "issue", "--dir", dir, "--key", pub, "--subject", "SERIALNUMBER=TINIT-RSSMRA80A01H501U,CN=MARIO ROSSI,C=IT",
		"--role", "signature", "--days", "30", "--not-before", "2026-01-02", "--out", certPath)
	if out, err := exec.Command(openssl, "verify", "-attime", "1768478400", "-CAfile", filepath.Join(dir, "ca.pem"), certPath).CombinedOutput(); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(certPath)
	b, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject.CommonName != "MARIO ROSSI" || c.Subject.SerialNumber != "TINIT-RSSMRA80A01H501U" || c.KeyUsage != x509.KeyUsageContentCommitment ||
		!c.NotBefore.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) || !c.NotAfter.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("issued %v %v %v-%v", c.Subject, c.KeyUsage, c.NotBefore, c.NotAfter)
	}
	// issue from a PRIVATE key with an OpenSSL-style subject (role cns by default).
	must(t, "issue", "--dir", dir, "--key", key, "--subject", "/C=IT/CN=ANNA/serialNumber=X", "--out", filepath.Join(dir, "cns.pem"))
	if _, err := runCLI(t, "issue", "--dir", dir, "--key", key, "--subject", "/C=I*T/CN=x", "--out", filepath.Join(dir, "bad.pem")); err == nil {
		t.Fatal("a PrintableString-invalid country was accepted")
	}
	must(t, "revoke", "--dir", dir, "--cert", certPath, "--reason", "1")
	if _, err := runCLI(t, "revoke", "--dir", dir, "--serial", "abcdef"); err == nil {
		t.Fatal("revoking an unknown serial succeeded")
	}
	out = must(t, "account", "add", "--dir", dir, "--id", "comune", "--password", "password-del-comune", "--balance", "1234")
	if !strings.Contains(out, "12,34 €") {
		t.Fatalf("account add: %s", out)
	}
	must(t, "account", "credit", "--dir", dir, "--id", "comune", "--amount", "100")
	if out := must(t, "account", "show", "--dir", dir, "--id", "comune"); !strings.Contains(out, "13,34 €") {
		t.Fatalf("account show: %s", out)
	}
	if _, err := runCLI(t, "account", "show", "--dir", dir, "--id", "nessuno"); err == nil {
		t.Fatal("unknown account shown")
	}

	// serve prints its URL; the CA certificate and OCSP answer there, and the revocation shows.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--dir", dir, "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	u := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/\.well-known/cmp`).FindStringSubmatch(line)
	if u == nil {
		t.Fatalf("serve printed %q", line)
	}
	resp, err := http.Get(u[1] + "/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	caPEM, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if string(body) != string(caPEM) {
		t.Fatal("served CA certificate differs from ca.pem")
	}
	ocspOut, err := exec.Command(openssl, "ocsp", "-issuer", filepath.Join(dir, "ca.pem"), "-cert", certPath, "-url", u[1]+"/ocsp",
		"-CAfile", filepath.Join(dir, "ca.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(ocspOut), "revoked") {
		t.Fatalf("openssl ocsp: %v\n%s", err, ocspOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"serve"}, {"issue", "--dir", t.TempDir()}, {"serve", "--dir", t.TempDir()}, {"account", "zap", "--dir", "x", "--id", "y"}} {
		out, err := runCLI(t, args...)
		if err == nil || !strings.Contains(out, "/") {
			t.Errorf("%v: %v %q", args, err, out)
		}
	}
}

// client-profile prints what the extension and `ponte renew` accept, for each mode a server profile allows.
func TestClientProfileCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir)
	for _, c := range []struct{ profile, mode, want string }{
		{"cns", "rekey", "rekey"}, {"cns", "extend", "extend"}, {"signature", "extend", "rekey"}, {"extend", "rekey", "extend"},
	} {
		out := must(t, "client-profile", "--dir", dir, "--profile", c.profile, "--mode", c.mode, "--url", "http://127.0.0.1:9")
		p, err := renew.ParseProfile([]byte(out))
		if err != nil {
			t.Fatalf("%s/%s: %v\n%s", c.profile, c.mode, err, out)
		}
		if p.URL != "http://127.0.0.1:9/.well-known/cmp/p/"+c.profile || p.Renews[0].Mode != c.want || p.Paid != (c.profile == "signature") {
			t.Errorf("%s/%s: url %s, mode %s, paid %v", c.profile, c.mode, p.URL, p.Renews[0].Mode, p.Paid)
		}
	}
	if out, err := runCLI(t, "client-profile", "--dir", dir, "--profile", "nope"); err == nil {
		t.Fatalf("unknown profile accepted:\n%s", out)
	}
}
