package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NSSDB makes an NSS database (for pdfsig -nssdir sql:DIR) that trusts the PEM certificate anchor as a
// CA, and returns its directory.
func NSSDB(t testing.TB, anchor string) string {
	t.Helper()
	certutil := Tool(t, "certutil")
	dir := filepath.Join(t.TempDir(), "nss")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "test-anchor", "-t", "CT,C,C", "-i", anchor},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return dir
}
