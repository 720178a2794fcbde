package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// In Debian's Firefox ESR, the Firefox flavour of the extension (build/extension-firefox) reaches the host
// that `ponte-host install` registered for the user: the WASM app page shows the version the host reports
// over native messaging, the string `ponte-host version` prints.
func TestFirefoxAppPageOverNativeMessaging(t *testing.T) {
	build := built(t)
	want := hostVersion(t, build)
	home := t.TempDir()
	install := exec.Command(filepath.Join(build, "ponte-host"), "install")
	install.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	out, err := install.CombinedOutput()
	if err != nil {
		t.Fatalf("ponte-host install: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, ".mozilla/native-messaging-hosts/it.ponte.host.json")); err != nil {
		t.Fatalf("ponte-host install did not register the host for Firefox: %v\n%s", err, out)
	}

	b := startFirefox(t, build, home)
	// connected: the module's drawing (boot.js shows the version first, data-conn="hello").
	ffWait(t, b, "app.html", `#host-status[data-conn="connected"] #host-version`)
	if got := ffText(t, b, "#host-version"); got != want {
		t.Fatalf("Firefox app page shows host version %q, ponte-host version says %q", got, want)
	}
	if got := ffText(t, b, "#host-transport"); !strings.Contains(got, "native messaging") {
		t.Fatalf("transport shown %q", got)
	}
	if got := ffText(t, b, "#ext-version"); got != want {
		t.Fatalf("extension version %q differs from host version %q (both come from git)", got, want)
	}
	ffShot(t, b, "firefox-app-native")

	ffWait(t, b, "popup.html", `#host-status[data-conn="connected"] #host-version`)
	if got := ffText(t, b, "#host-version"); got != want {
		t.Fatalf("Firefox popup shows %q, want %q", got, want)
	}
}

// Without the host registered, Firefox's reason ("No such native application") reaches the page, which
// classifies it as "not installed".
func TestFirefoxAppPageWithoutHost(t *testing.T) {
	build := built(t)
	b := startFirefox(t, build, t.TempDir())
	ffWait(t, b, "app.html", `#host-status[data-conn="failed"]`)
	if d := ffText(t, b, "#problem-detail"); !strings.Contains(d, "No such native application") {
		t.Fatalf("problem detail %q does not carry Firefox's reason", d)
	}
	if got := ffAttr(t, b, "#host-issue", "issue"); got != "not-installed" {
		t.Fatalf("issue %q, want not-installed", got)
	}
	// Firefox says the same when the manifest admits another add-on: the page says so, and the Flatpak step
	// names Firefox's Flatpak id.
	shown := ffText(t, b, "#host-issue")
	for _, want := range []string{"In Firefox questo compare anche", "sudo apt install ./ponte_*.deb", "org.freedesktop.Flatpak org.mozilla.firefox"} {
		if !strings.Contains(shown, want) {
			t.Errorf("page lacks %q:\n%s", want, shown)
		}
	}
	ffShot(t, b, "firefox-app-no-host")
}
