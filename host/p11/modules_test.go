package p11_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testenv"
)

// buildModule compiles testdata/NAME.c into a shared library in a temporary directory.
func buildModule(t *testing.T, name string) string {
	t.Helper()
	gcc := testenv.Tool(t, "gcc")
	hdr, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/miekg/pkcs11").Output()
	if err != nil {
		t.Fatalf("locating the PKCS#11 headers: %v", err)
	}
	out := filepath.Join(t.TempDir(), name+".so")
	cmd := exec.Command(gcc, "-shared", "-fPIC", "-Wall", "-o", out, filepath.Join("testdata", name+".c"),
		"-I", strings.TrimSpace(string(hdr)), "-ldl")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return out
}
