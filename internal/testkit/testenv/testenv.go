// Package testenv lets integration tests ask for the real tools they use (pcscd, softhsm2-util, openssl,
// chromium, ...). Under `make test` (PONTE_INTEGRATION=1) a missing tool fails the test, so CI can never
// pass by skipping; a bare `go test` on a machine without the tool skips with the reason.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Integration reports whether the run must exercise every real tool (set by `make test`).
func Integration() bool { return os.Getenv("PONTE_INTEGRATION") == "1" }

// Tool returns the path of a command, or fails/skips the test when it is missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed (run scripts/deps.sh)")
	}
	return p
}

// File returns the first existing path, or fails/skips the test when none exists.
func File(t testing.TB, what string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	Missing(t, what+" not found (run scripts/deps.sh)")
	return ""
}

// Missing fails the test under `make test` and skips it otherwise.
func Missing(t testing.TB, why string) {
	t.Helper()
	if Integration() {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Root is the repository root (where go.mod is).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Artefacts returns a folder under test/artefacts/NAME for screenshots and logs kept after the run.
func Artefacts(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(Root(), "test", "artefacts", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	buildMu  sync.Mutex
	builtDir string
	builtPkg = map[string]string{}
)

// Build compiles a command of this module (e.g. "host", "cmd/ponte-ca") once per test process and returns
// the binary's path. With PONTE_BUILD set (make test) and the binary there, that one is used.
func Build(t testing.TB, pkg, name string) string {
	t.Helper()
	if dir := os.Getenv("PONTE_BUILD"); dir != "" {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := builtPkg[pkg]; ok {
		return p
	}
	if builtDir == "" {
		d, err := os.MkdirTemp("", "ponte-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builtDir = d
	}
	out := filepath.Join(builtDir, name)
	cmd := exec.Command("go", BuildArgs("-o", out, "./"+pkg)...)
	cmd.Dir = Root()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
	builtPkg[pkg] = out
	return out
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
