package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/firefox"
	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/testenv"
	"github.com/ponte-it/ponte/internal/testproc"
)

// startFirefox runs Debian's firefox-esr headless with build/extension-firefox installed, for a user whose
// home is home (Firefox reads ~/.mozilla/native-messaging-hosts/ from it); env is added to its environment
// (and so to the host's).
func startFirefox(t *testing.T, build, home string, env ...string) *firefox.Browser {
	t.Helper()
	return startFirefoxWith(t, build, home, nil, env...)
}

// startFirefoxWith is startFirefox with more prefs in the profile.
func startFirefoxWith(t *testing.T, build, home string, prefs map[string]any, env ...string) *firefox.Browser {
	t.Helper()
	ff := testenv.Tool(t, "firefox-esr")
	ext := filepath.Join(build, "extension-firefox")
	testenv.File(t, "the Firefox extension (make build)", filepath.Join(ext, "manifest.json"))
	dir := testproc.TempDir(t, "ponte-ff-")
	logf, err := os.Create(filepath.Join(testenv.Artefacts(t, "e2e"), "firefox-"+strings.ReplaceAll(t.Name(), "/", "-")+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := firefox.Start(ctx, firefox.Options{
		Firefox:   ff,
		Profile:   filepath.Join(dir, "profile"),
		Extension: ext,
		AddonID:   ids.FirefoxAddonID,
		Env:       append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config")),
		Log:       logf,
		Prefs:     prefs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

// ffShot saves a screenshot of Firefox's tab under test/artefacts/e2e.
func ffShot(t *testing.T, b *firefox.Browser, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	png, err := b.Screenshot(ctx)
	saveShot(t, name, png, err)
}

// ffWait opens the extension's page and waits for selector, failing with a screenshot.
func ffWait(t *testing.T, b *firefox.Browser, page, selector string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := b.Navigate(ctx, b.Base+page)
	if err == nil {
		err = b.WaitFor(ctx, selector)
	}
	if err != nil {
		ffShot(t, b, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatal(err)
	}
}

func ffText(t *testing.T, b *firefox.Browser, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := b.Text(ctx, selector)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

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

// ffAttr is the data-<name> attribute of the first element matching selector ("" if none).
func ffAttr(t *testing.T, b *firefox.Browser, selector, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sel, _ := json.Marshal(selector)
	key, _ := json.Marshal(name)
	v, err := b.Eval(ctx, `((document.querySelector(`+string(sel)+`) || {dataset: {}}).dataset[`+string(key)+`] || "")`)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		t.Fatal(err)
	}
	return s
}
