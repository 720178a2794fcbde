package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The setup check shows in words what diagnose sees with the virtual card present (family, driver needed
// and found, certificates, signature certificate) and absent, and registers the card's module in the NSS
// database of a throw-away HOME when the user clicks (issue 7, setup check).
func TestSetupCheckWithCardPresentAndAbsent(t *testing.T) {
	build := built(t)
	modutil := testenv.Tool(t, "modutil")
	bed := startBed(t, testbed.Options{})
	home := t.TempDir()
	env := append(append([]string{}, bed.Env...), "HOME="+home)
	ctx := startBrowserWith(t, filepath.Join(build, "extension"), filepath.Join(build, "ponte-host"), env)

	card := `article.setup-card[data-card="8038000000000001"]`
	within(t, ctx, 120*time.Second,
		chromedp.Navigate(browser.ExtensionURL("setup.html")),
		chromedp.WaitVisible(chromedp.CSS(card)),
		chromedp.WaitVisible(chromedp.CSS(`#login-missing`)),
	)
	got := text(t, ctx, "#setup")
	for _, want := range []string{"attivo", "ST 2021", "Driver trovato", "Certificati visibili", "Certificato di firma", "presente", "2048"} {
		if !strings.Contains(got, want) {
			t.Errorf("setup page lacks %q:\n%s", want, got)
		}
	}
	shot(t, ctx, "setup-card-present")

	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`button[data-action="setup-register"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-done`)),
	)
	module := ""
	for _, kv := range bed.Env {
		if v, ok := strings.CutPrefix(kv, "PONTE_PKCS11_MODULE="); ok {
			module = v
		}
	}
	out, err := exec.Command(modutil, "-dbdir", "sql:"+filepath.Join(home, ".pki", "nssdb"), "-list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Ponte CNS") || module == "" || !strings.Contains(string(out), module) {
		t.Fatalf("NSS database after the click (want %q): %v\n%s", module, err, out)
	}
	shot(t, ctx, "setup-registered")

	// Card out: the readers are empty and the card's family goes. (The testbed's SoftHSM token, the card's
	// PKCS#11 half, stays in its own slot and is listed as a PKCS#11 token.)
	bed.Slot.Remove()
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(`button[data-action="setup-check"]`)))
	eventually(t, 30*time.Second, "the setup page shows the reader empty and the card gone", func() (bool, string) {
		page := eval[string](t, ctx, `(document.getElementById("setup") || {}).innerText || ""`)
		return strings.Contains(page, "Lettore Ponte VPCD 00 00: vuoto") && !strings.Contains(page, "ST 2021"), page
	})
	shot(t, ctx, "setup-card-absent")
}
