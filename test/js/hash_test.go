package js

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestNodeHashTests builds the extension's SHA-2 hasher (extension/hash/sha.wat) with wat2wasm, as
// make build does, and runs its tests (test/js/hash/*.test.mjs) with Node's test runner.
func TestNodeHashTests(t *testing.T) {
	node := testenv.Tool(t, "node")
	wat2wasm := testenv.Tool(t, "wat2wasm")
	wasm := filepath.Join(t.TempDir(), "sha.wasm")
	if out, err := exec.Command(wat2wasm, filepath.Join(testenv.Root(), "extension", "hash", "sha.wat"), "-o", wasm).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(testenv.Root(), "test", "js", "hash", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no hash tests found (%v)", err)
	}
	cmd := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Env = append(os.Environ(), "PONTE_SHA_WASM="+wasm)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
