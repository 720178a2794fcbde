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

	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// In Firefox the user grants MV3 host permissions (the install prompt since Firefox 127, the add-on's
// Permissions tab, or not at all). With them withheld — the pref extensions.originControls.grantByDefault
// off, as when the user declines — the weekly check against a CA that sends no CORS headers says which
// origin Ponte may not contact, and the inventory and the setup page offer the button that asks for it;
// real clicks (the prompt switched off, as if the user said yes) on the inventory's button grant that
// origin and on the setup page's every http(s) origin, each on a page that is not redrawn under it, and the
// check then reads the CA.
func TestFirefoxHostPermissionsWithheldThenGranted(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{NoCORS: true})
	// A build folder whose Firefox extension carries the bed's CA profiles.
	fake := t.TempDir()
	ext := filepath.Join(fake, "extension-firefox")
	if err := os.CopyFS(ext, os.DirFS(filepath.Join(build, "extension-firefox"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(ext, "profiles"), os.DirFS(bed.ProfilesDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ext, "tsl.json"), []byte(`{"url":"off"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	install := exec.Command(filepath.Join(build, "ponte-host"), "install")
	install.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("ponte-host install: %v\n%s", err, out)
	}
	b := startFirefoxWith(t, fake, home, map[string]any{
		"extensions.originControls.grantByDefault": false,
		// permissions.request still needs a real click, but no doorhanger, which WebDriver cannot answer:
		// the click stands for the user's "Consenti" there.
		"extensions.webextOptionalPermissionPrompts": false,
	}, bed.Env...)
	ffWait(t, b, "app.html", `article.smartcard[data-card="`+cardID+`"]`)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	granted, err := b.Eval(ctx, `browser.permissions.contains({origins: ["http://127.0.0.1/*"]})`)
	if err != nil || string(granted) != "false" {
		t.Fatalf("host permission: %s %v (want it withheld)", granted, err)
	}
	// The app page cached the card's certificates; run the weekly check in the background page.
	var run statusRun
	eventually(t, 10*time.Second, "the weekly check finds the card's two certificates due", func() (bool, string) {
		v, err := b.Eval(ctx, `browser.runtime.getBackgroundPage().then(bg => bg.checkStatus(Date.now())).then(r => JSON.stringify(r))`)
		if err != nil {
			t.Fatal(err)
		}
		var text string
		if err := json.Unmarshal(v, &text); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if err := json.Unmarshal([]byte(text), &run); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		return len(run.Due) == 2, fmt.Sprintf("%+v", run)
	})
	if len(run.Unverified) != 2 {
		t.Fatalf("status check without the permission: %+v", run)
	}
	invButton := `.permission-grant[data-permission-origins="http://127.0.0.1/*"][data-permission-then="status-recheck"]`
	ffWait(t, b, "inventory.html", invButton)
	still := ffWatchRedraws(t, b)
	if got := ffText(t, b, ".permission-missing"); !strings.Contains(got, "Ponte non ha il permesso di contattare "+bed.CAURL) {
		t.Errorf("inventory says %q", got)
	}
	ffShot(t, b, "firefox-inventory-no-permission")
	// A real click on the inventory's "Consenti e riprova" grants that origin alone (the card list's, the
	// renewal's and the Firma page's buttons are the same permission.mjs listener): cards.wasm hands the
	// page to ponte.wasm, which checks again, and both statuses are good.
	still("the inventory")
	if err := b.Click(ctx, invButton); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "both statuses good after the inventory's button", func() (bool, string) {
		v, err := b.Eval(ctx, `browser.storage.local.get("ponteCerts").then(x => JSON.stringify(Object.values(x.ponteCerts).filter(r => r.der).map(r => r.status && r.status.state)))`)
		if err != nil {
			t.Fatal(err)
		}
		return string(v) == `"[\"good\",\"good\"]"`, string(v)
	})
	if granted, err := b.Eval(ctx, `browser.permissions.contains({origins: ["http://127.0.0.1/*"]})`); err != nil || string(granted) != "true" {
		t.Fatalf("host permission after the inventory's button: %s %v", granted, err)
	}
	// The setup page says so too, with the button that asks for every http(s) origin.
	ffWait(t, b, "setup.html", `#net-access[data-granted="false"] #net-grant[data-permission-origins="https://*/* http://*/*"]`)
	// The button comes with the whole page (wasm/setup.go, checkSetup): drawn before the diagnosis, it was
	// pushed down when the diagnosis arrived above it, and the click below hit a heading instead.
	still = ffWatchRedraws(t, b)
	if got := ffAttr(t, b, "#setup", "loaded"); got != "true" {
		t.Errorf("the setup page drew the permission button before its diagnosis (data-loaded=%q)", got)
	}
	if got := ffText(t, b, "#net-missing"); !strings.Contains(got, "Non consentito") {
		t.Errorf("setup page says %q", got)
	}
	ffShot(t, b, "firefox-setup-no-permission")
	still("the setup page")

	// The user clicks "Consenti l'accesso": the browser grants every http(s) origin, the page says so, and
	// the same check now reaches the CA without CORS.
	if err := b.Click(ctx, "#net-grant"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitFor(ctx, `#net-access[data-granted="true"] #net-ok`); err != nil {
		ffShot(t, b, "failure-firefox-grant")
		t.Fatal(err)
	}
	ffShot(t, b, "firefox-setup-granted")
	v, err := b.Eval(ctx, `browser.runtime.getBackgroundPage().then(bg => bg.checkStatus(Date.now() + 8 * 24 * 3600 * 1000)).then(r => JSON.stringify(r))`)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	json.Unmarshal(v, &text)
	var after statusRun
	if err := json.Unmarshal([]byte(text), &after); err != nil {
		t.Fatalf("%s: %v", v, err)
	}
	if len(after.Asked) != 2 || len(after.Unverified) != 0 {
		t.Fatalf("status check with the permission granted: %+v", after)
	}
}
