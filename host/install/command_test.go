package install

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/manifest"
)

func TestCommand(t *testing.T) {
	host := fakeHost(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("SUDO_USER", "")
	cfg := testConfig(host)
	var out, errb bytes.Buffer
	if code := Command("install", nil, cfg, &out, &errb); code != 0 {
		t.Fatalf("install: exit %d\n%s%s", code, out.String(), errb.String())
	}
	checkManifest(t, filepath.Join(home, ".config/chromium/NativeMessagingHosts/it.ponte.host.json"), manifest.Chromium, host)
	out.Reset()
	if code := Command("install", nil, cfg, &out, &errb); code != 0 || !strings.Contains(out.String(), "Nothing to change") {
		t.Errorf("second install: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := Command("uninstall", nil, cfg, &out, &errb); code != 0 || !strings.Contains(out.String(), "rimosso / removed") {
		t.Errorf("uninstall: exit %d\n%s", code, out.String())
	}
	if _, err := os.Stat(filepath.Join(home, ".config/chromium/NativeMessagingHosts/it.ponte.host.json")); !os.IsNotExist(err) {
		t.Errorf("manifest left: %v", err)
	}

	// --system with --root, as a packager would: system folders below root.
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/ponte-host"), []byte("x"), 0o755)
	cfg.HostPath = "/usr/bin/ponte-host"
	if code := Command("install", []string{"--system", "--root", root}, cfg, &out, &errb); code != 0 {
		t.Fatalf("install --system --root: exit %d\n%s", code, errb.String())
	}
	checkManifest(t, filepath.Join(root, "etc/chromium/native-messaging-hosts/it.ponte.host.json"), manifest.Chromium, "/usr/bin/ponte-host")

	for _, args := range [][]string{{"--bogus"}, {"extra"}} {
		errb.Reset()
		if code := Command("install", args, cfg, &out, &errb); code != 2 || !strings.Contains(errb.String(), "ponte-host install") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
	if code := Command("reinstall", nil, cfg, &out, &errb); code != 2 {
		t.Errorf("unknown op: exit %d", code)
	}
	// sudo without --system registers for root: said, not refused.
	if os.Geteuid() == 0 {
		t.Setenv("SUDO_USER", "ada")
		errb.Reset()
		cfg.HostPath = host
		if code := Command("install", nil, cfg, &out, &errb); code != 0 || !strings.Contains(errb.String(), "registered for root only") {
			t.Errorf("sudo warning: exit %d, stderr %q", code, errb.String())
		}
	}
	// A missing host is a failure with the reason, not a half install.
	errb.Reset()
	cfg.HostPath = filepath.Join(t.TempDir(), "missing")
	if code := Command("install", nil, cfg, &out, &errb); code != 1 || !strings.Contains(errb.String(), "not executable") {
		t.Errorf("missing host: exit %d, stderr %q", code, errb.String())
	}
}
