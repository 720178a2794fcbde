package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// server is a running `ponte-ca serve` process.
type server struct {
	cmd  *exec.Cmd
	base string
}

// serve starts ponte-ca on listen and waits for the line that gives its URL.
func serve(t *testing.T, dir, listen string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--dir", dir, "--listen", listen)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	t.Cleanup(s.kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	u := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/\.well-known/cmp`).FindStringSubmatch(line)
	if err != nil || u == nil {
		t.Fatalf("serve printed %q (%v)", line, err)
	}
	s.base = u[1]
	return s
}

// kill stops the process at once (SIGKILL): no orderly shutdown, as a crash or power cut.
func (s *server) kill() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// TestRestartBetweenSteps (invariant I5): ponte-ca is killed and started again between the request
// and its delayed issuance, and between issuance and certConf; the pending request resumes, the
// certConf is accepted, and the database shows one confirmed renewal and the holder's acceptance of the
// terms the request carried (ponte-ca terms).
func TestRestartBetweenSteps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPath, certPath := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	// Inside the default 90-day renewal window of the cns profile (3 s delayed issuance).
	nb := time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02")
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", "/C=IT/CN=RIAVVII/serialNumber=TINIT-RSSMRA80A01H501U",
		"--not-before", nb, "--days", "1100", "--out", certPath)
	data, _ := os.ReadFile(certPath)
	old, err := ca.ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(dir, ca.CertFile))
	caCert, _ := ca.ParseCertificatePEM(caPEM)
	anchors := x509.NewCertPool()
	anchors.AddCert(caCert)
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	prot := &cmp.SignatureProtection{Signer: key, Cert: old}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	s := serve(t, dir, "127.0.0.1:0")
	addr := s.base[len("http://"):]
	cl := &cmp.Client{URL: cmp.Endpoint(s.base, "cns"), Anchors: anchors, Signers: []*x509.Certificate{caCert}}
	req := cmp.KeyUpdateRequest(old, key, newKey)
	req.DeferConfirm = true
	accepted := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	ri, err := cmp.TermsRegInfo(ca.DemoTermsVersion, ca.DemoPrivacyVersion, accepted)
	if err != nil {
		t.Fatal(err)
	}
	req.RegInfo = append(req.RegInfo, ri)
	res, err := cl.Enroll(ctx, req)
	if err != nil || res.Pending == nil {
		t.Fatalf("want a pending request: %+v %v", res, err)
	}
	s.kill()

	s = serve(t, dir, addr)
	cl.MaxWait = 30 * time.Second
	res, err = cl.Poll(ctx, res.Pending, prot)
	if err != nil || res.Cert == nil || res.Transaction == nil {
		t.Fatalf("poll after the restart: %+v %v", res, err)
	}
	s.kill()

	s = serve(t, dir, addr)
	if err := cl.Confirm(ctx, res.Transaction, prot, res.Cert); err != nil {
		t.Fatalf("certConf after the restart: %v", err)
	}
	s.kill()

	// The acceptance of the terms the request carried is kept as evidence, and shown.
	out := must(t, "terms", "--dir", dir, "--serial", ca.SerialHex(old.SerialNumber))
	for _, want := range []string{"acceptances of the terms: 1", "accepted 2026-12-07T09:30:00Z", "terms ponte-ca-termini-1",
		"privacy ponte-ca-privacy-1", "CN=RIAVVII", "certificate " + ca.SerialHex(res.Cert.SerialNumber) + " (confirmed)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("ponte-ca terms lacks %q:\n%s", want, out)
		}
	}
	st, err := store.Open(filepath.Join(dir, ca.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tx, err := st.TxnForCert(ctx, ca.SerialHex(res.Cert.SerialNumber))
	if err != nil || tx.State != store.StateConfirmed || tx.Parent != ca.SerialHex(old.SerialNumber) {
		t.Fatalf("transaction in the database: %+v %v", tx, err)
	}
	if n, err := st.ConfirmedRenewals(ctx, ca.SerialHex(old.SerialNumber)); n != 1 || err != nil {
		t.Fatalf("confirmed renewals %d %v", n, err)
	}
}
