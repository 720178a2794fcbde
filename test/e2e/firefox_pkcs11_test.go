package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// In Debian's Firefox ESR the setup page ("Verifica configurazione") registers the virtual card's PKCS#11
// module through browser.pkcs11, from the manifest `ponte-host install` wrote in the user's
// ~/.mozilla/pkcs11-modules, and then lists the module's slots with the card's token (issue 7, setup check:
// "in Firefox through the browser.pkcs11 API of WebExtensions"). The same Firefox runs the weekly OCSP
// watch in its event page (background.js with the Go module in watch mode).
func TestFirefoxRegistersCardModule(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{})
	home := t.TempDir()
	env := append(append(os.Environ(), bed.Env...), "HOME="+home)
	install := exec.Command(filepath.Join(build, "ponte-host"), "install")
	install.Env = env
	out, err := install.CombinedOutput()
	if err != nil {
		t.Fatalf("ponte-host install: %v\n%s", err, out)
	}
	var module string
	for _, kv := range bed.Env {
		if v, ok := strings.CutPrefix(kv, "PONTE_PKCS11_MODULE="); ok {
			module = v
		}
	}
	name := ids.PKCS11ModuleName(module)
	manifest := filepath.Join(home, ".mozilla/pkcs11-modules", name+".json")
	var m struct {
		Name, Path, Type  string
		AllowedExtensions []string `json:"allowed_extensions"`
	}
	if data, err := os.ReadFile(manifest); err != nil || json.Unmarshal(data, &m) != nil {
		t.Fatalf("ponte-host install wrote no PKCS#11 manifest %s: %v\n%s", manifest, err, out)
	}
	if m.Name != name || m.Path != module || m.Type != "pkcs11" || len(m.AllowedExtensions) != 1 || m.AllowedExtensions[0] != ids.FirefoxAddonID {
		t.Fatalf("manifest %+v", m)
	}
	if !strings.Contains(string(out), manifest) {
		t.Errorf("the install report does not name %s:\n%s", manifest, out)
	}

	// The Firefox flavour with the bed's CA profiles (their anchors are the issuers the OCSP watch knows).
	ffBuild := t.TempDir()
	ext := filepath.Join(ffBuild, "extension-firefox")
	if err := os.CopyFS(ext, os.DirFS(filepath.Join(build, "extension-firefox"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(ext, "profiles"), os.DirFS(bed.ProfilesDir)); err != nil {
		t.Fatal(err)
	}
	b := startFirefox(t, ffBuild, home, bed.Env...)
	ffWait(t, b, "setup.html", "#ff-register")
	if got := ffText(t, b, "#browser-login"); !strings.Contains(got, name) {
		t.Errorf("the page does not say which module it will load: %q", got)
	}
	ffShot(t, b, "firefox-setup-register")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := b.Eval(ctx, `document.getElementById("ff-register").click()`); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitFor(ctx, "#ff-registered, #ff-error"); err != nil {
		ffShot(t, b, "failure-firefox-register")
		t.Fatal(err)
	}
	if e := ffText(t, b, "#ff-error"); e != "" {
		ffShot(t, b, "failure-firefox-register")
		t.Fatalf("Firefox refused: %s", e)
	}
	label := bed.Card.Holder.Label()
	got := ffText(t, b, "#ff-slots")
	t.Logf("Firefox lists the module %s with slots: %s", name, got)
	if !strings.Contains(got, label) {
		t.Fatalf("slots %q do not list the card's token %q", got, label)
	}
	if got := ffAttr(t, b, `.ff-slot[data-token]:not([data-token=""])`, "token"); got != label {
		t.Errorf("token %q, want %q", got, label)
	}
	ffShot(t, b, "firefox-setup-registered")

	// Loaded once, it stays: the page says so on the next visit without another click.
	ffWait(t, b, "setup.html", "#ff-registered")
	// The event page (background.js with the Go runtime for the OCSP watch) loads in Firefox too.
	v, err := b.Eval(ctx, `browser.runtime.getBackgroundPage().then(w => typeof w.checkStatus + " " + typeof w.Go)`)
	if err != nil || string(v) != `"function function"` {
		t.Fatalf("Firefox background page: %s %v", v, err)
	}
	// and its OCSP watch runs the Go module there: the card's two certificates are asked and found good.
	ffWait(t, b, "app.html", `article.smartcard[data-card="8038000000000001"]`)
	var asked []string
	eventually(t, 10*time.Second, "the app page caches the card's certificates", func() (bool, string) {
		v, err = b.Eval(ctx, `browser.storage.local.get("ponteCerts").then(x => Object.keys(x.ponteCerts || {}).length)`)
		return err == nil && string(v) != "0", fmt.Sprintf("%s %v", v, err)
	})
	v, err = b.Eval(ctx, `browser.runtime.getBackgroundPage().then(w => w.checkStatus(Date.now())).then(r => JSON.stringify(r.asked))`)
	var text string
	if err == nil {
		err = json.Unmarshal(v, &text)
	}
	if err == nil {
		err = json.Unmarshal([]byte(text), &asked)
	}
	if err != nil || len(asked) != 2 {
		t.Fatalf("checkStatus in Firefox: %s %v (asked: %v)", v, err, asked)
	}
}
