//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Issue 15's acceptance: the real binary, copied into a world-writable folder, refuses `install --system`
// with the reason in Italian and English, and no system manifest appears.
func TestInstallSystemRefusesWorldWritableBinary(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (the check is for what root would register)")
	}
	open := filepath.Join(t.TempDir(), "scaricati")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(open, "ponte-host")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", bin, filepath.Join(testenv.Root(), "host"))...).CombinedOutput(); err != nil {
		t.Fatalf("building ponte-host: %v\n%s", err, out)
	}
	manifests := []string{"/etc/opt/chrome/native-messaging-hosts/it.ponte.host.json", "/etc/chromium/native-messaging-hosts/it.ponte.host.json",
		"/usr/lib/mozilla/native-messaging-hosts/it.ponte.host.json"}
	before := map[string]bool{}
	for _, m := range manifests {
		_, err := os.Stat(m)
		before[m] = err == nil
	}
	out, err := exec.Command(bin, "install", "--system").CombinedOutput()
	if err == nil {
		t.Fatalf("install --system accepted %s:\n%s", bin, out)
	}
	for _, want := range []string{open, "modificato da altri utenti", "is writable by other users", "sudo install -o root"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	for _, m := range manifests {
		if _, err := os.Stat(m); (err == nil) != before[m] {
			t.Errorf("%s appeared or went", m)
		}
	}
}
