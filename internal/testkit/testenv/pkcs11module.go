package testenv

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PKCS11Module builds host/p11/testdata/NAME.c (a test PKCS#11 module, README there) with gcc against the
// PKCS#11 headers shipped in github.com/miekg/pkcs11, and returns the shared library's path.
func PKCS11Module(t testing.TB, name string) string {
	t.Helper()
	gcc := Tool(t, "gcc")
	hdr, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/miekg/pkcs11").Output()
	if err != nil {
		t.Fatalf("locating the PKCS#11 headers: %v", err)
	}
	out := filepath.Join(t.TempDir(), name+".so")
	cmd := exec.Command(gcc, "-shared", "-fPIC", "-Wall", "-o", out, filepath.Join(Root(), "host", "p11", "testdata", name+".c"),
		"-I", strings.TrimSpace(string(hdr)), "-ldl")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return out
}
