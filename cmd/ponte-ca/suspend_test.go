package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestOperatorSuspend (docs/ca-operator.md, "Suspending a certificate"): ponte-ca suspend --days puts a
// certificate on hold (openssl ocsp against the running serve: revoked, certificateHold); reactivate
// lifts it (good); a second suspension left past its window is made permanent by the sweep and
// reactivate then refuses it (revoked, no longer on hold); audit verify accepts the log throughout.
func TestOperatorSuspend(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	key, certPath := filepath.Join(dir, "k.pem"), filepath.Join(dir, "cns.pem")
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	must(t, "issue", "--dir", dir, "--key", key, "--subject", "/C=IT/CN=ANNA/serialNumber=X", "--out", certPath)
	for _, bad := range [][]string{{"suspend", "--dir", dir, "--cert", certPath}, {"suspend", "--dir", dir, "--cert", certPath, "--days", "0"},
		{"reactivate", "--dir", dir, "--cert", certPath}, {"suspend", "--dir", dir, "--serial", "abcdef", "--days", "3"}} {
		if out, err := runCLI(t, bad...); err == nil {
			t.Fatalf("ponte-ca %v succeeded: %s", bad, out)
		}
	}

	srv := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0")
	status := func() string {
		t.Helper()
		out, err := exec.Command(openssl, "ocsp", "-issuer", filepath.Join(dir, "ca.pem"), "-cert", certPath, "-url", srv.base+"/ocsp",
			"-CAfile", filepath.Join(dir, "ca.pem")).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl ocsp: %v\n%s", err, out)
		}
		return string(out)
	}
	verify := func() {
		t.Helper()
		if out := must(t, "audit", "verify", "--dir", dir); !strings.Contains(out, "suspend") {
			t.Fatalf("audit verify: %s", out)
		}
	}
	must(t, "suspend", "--dir", dir, "--cert", certPath, "--days", "3")
	if out := status(); !strings.Contains(out, ": revoked") || !strings.Contains(out, "certificateHold") {
		t.Fatalf("after suspend: %s", out)
	}
	if _, err := runCLI(t, "suspend", "--dir", dir, "--cert", certPath, "--days", "3"); err == nil {
		t.Fatal("a second suspension was accepted")
	}
	verify()
	must(t, "reactivate", "--dir", dir, "--cert", certPath)
	if out := status(); !strings.Contains(out, ": good") {
		t.Fatalf("after reactivate: %s", out)
	}
	verify()

	// The window: the sweep (run by OCSP, CMP and CRL answers, here by a CA opened 2 days on) ends it.
	must(t, "suspend", "--dir", dir, "--cert", certPath, "--days", "1")
	c, err := ca.OpenDB(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Store.ExpireHolds(context.Background(), time.Now().AddDate(0, 0, 2))
	c.Close()
	if err != nil || n != 1 {
		t.Fatalf("sweep ended %d holds: %v", n, err)
	}
	if out, err := runCLI(t, "reactivate", "--dir", dir, "--cert", certPath); err == nil || !strings.Contains(out, "not suspended") {
		t.Fatalf("reactivate after the window: %v %s", err, out)
	}
	if out := status(); !strings.Contains(out, ": revoked") || strings.Contains(out, "certificateHold") {
		t.Fatalf("after the window: %s", out)
	}
	verify()
}
