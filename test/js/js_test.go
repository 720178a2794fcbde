// Package js runs the extension's plain-JavaScript tests (test/js/*.test.mjs) with Node's built-in test
// runner, so `go test ./...` covers the few JS modules that hold logic (the expiry thresholds).
package js

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func TestNodeTests(t *testing.T) {
	node := testenv.Tool(t, "node")
	files, err := filepath.Glob(filepath.Join(testenv.Root(), "test", "js", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JS tests found (%v)", err)
	}
	out, err := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
