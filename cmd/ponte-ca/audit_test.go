package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestAuditKeptHead: a log cut short after the last check, with the accounts table put back to match
// (done with the sqlite3 tool, as someone with the database file would), still verifies on its own: the
// chain left is whole and accounts for the balances. The head the previous check printed (--head) finds
// it, and a head still in the log passes.
func TestAuditKeptHead(t *testing.T) {
	sqlite3 := testenv.Tool(t, "sqlite3")
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	headRE := regexp.MustCompile(`--head (\d+:[0-9a-f]{64})`)
	head := func() string {
		t.Helper()
		m := headRE.FindStringSubmatch(must(t, "audit", "verify", "--dir", dir))
		if m == nil {
			t.Fatal("audit verify printed no head")
		}
		return m[1]
	}
	before := head()
	must(t, "account", "credit", "--dir", dir, "--id", "demo", "--amount", "700")
	after := head()
	cut := `DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit); UPDATE accounts SET balance = balance - 700 WHERE id = 'demo';`
	if out, err := exec.Command(sqlite3, filepath.Join(dir, "ca.db"), cut).CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	must(t, "audit", "verify", "--dir", dir)
	must(t, "audit", "verify", "--dir", dir, "--head", before)
	for _, h := range []string{after, "x", "0:" + strings.Repeat("0", 64)} {
		if out, err := runCLI(t, "audit", "verify", "--dir", dir, "--head", h); err == nil || !strings.Contains(out, "audit log NOT valid") {
			t.Errorf("--head %s: %v\n%s", h, err, out)
		}
	}
}
