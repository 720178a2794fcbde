package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// noCORSPage starts a bed whose ponte-ca sends no CORS headers (like a real CA, OCSP responder and TSA),
// a browser with the extension (edit changes its manifest first, when set), and opens the app page on
// the card; it returns the page, the worker and the bed.
func noCORSPage(t *testing.T, o testbed.Options, edit func(m map[string]any)) (pageCtx, workerCtx context.Context, bed *testbed.Bed) {
	t.Helper()
	build := built(t)
	o.NoCORS = true
	bed = startBed(t, o)
	ext := extensionWithProfiles(t, build, bed)
	if edit != nil {
		path := filepath.Join(ext, "manifest.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard`)), // its id is the CNS number only with PC/SC
	)
	return ctx, workerContext(t, ctx), bed
}

// cachedCardKeys waits until the app page has cached the card's two certificates with their bytes.
func cachedCardKeys(t *testing.T, wctx context.Context) []string {
	t.Helper()
	var keys []string
	eventually(t, 10*time.Second, "the app page caches the card's two certificates with their bytes", func() (bool, string) {
		keys = nil
		for k, r := range eval[map[string]statusRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts || {})`) {
			if r.Source == "card" && r.DER != "" {
				keys = append(keys, k)
			}
		}
		return len(keys) == 2, fmt.Sprint(keys)
	})
	return keys
}

// With its host permissions the extension reaches a CA that sends no CORS headers: the weekly OCSP check
// finds both certificates good, and a renewal over CMP completes. (Also: the app page's link to the
// options page, and the setup page's network section.)
func TestNoCORSCAWithHostPermissions(t *testing.T) {
	ctx, wctx, bed := noCORSPage(t, testbed.Options{}, nil)
	keys := cachedCardKeys(t, wctx)
	r := eval[statusRun](t, wctx, fmt.Sprintf(`checkStatus(%d)`, time.Now().UnixMilli()))
	if len(r.Asked) != 2 || len(r.Unverified) != 0 {
		t.Fatalf("status check against the no-CORS responder: %+v", r)
	}
	for _, k := range keys {
		if st := eval[map[string]statusRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts)`)[k].Status; st == nil || st.State != "good" {
			t.Fatalf("%s: %+v", k, st)
		}
	}

	// The inventory's button: a status left by a refused check (as in Firefox before the user granted the
	// permission) offers "Consenti e riprova"; the click asks the browser (which already grants it, so no
	// prompt), and the module checks again at once: the refusal is gone and the statuses are good.
	eval[bool](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => { for (const r of Object.values(x.ponteCerts)) if (r.der) r.status = {state: "unverified", checked: new Date().toISOString(), failures: 1, responder: `+"`"+bed.CAURL+"/ocsp`"+`, permission: "http://127.0.0.1/*", detail: "x"}; return chrome.storage.local.set(x).then(() => true); })`)
	button := `.permission-grant[data-permission-origins="http://127.0.0.1/*"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("inventory.html")),
		chromedp.WaitVisible(chromedp.CSS(button)),
	)
	shot(t, ctx, "nocors-inventory-button")
	within(t, ctx, 90*time.Second,
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitNotPresent(chromedp.CSS(button)),
	)
	// The inventory runs cards.wasm: the click hands over to ponte.wasm, which checks once it has started.
	eventually(t, 60*time.Second, "both statuses good after the button", func() (bool, string) {
		all := eval[map[string]statusRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts)`)
		for _, k := range keys {
			if st := all[k].Status; st == nil || st.State != "good" {
				return false, fmt.Sprintf("%s: %+v", k, st)
			}
		}
		return true, ""
	})
	shot(t, ctx, "nocors-inventory-rechecked")
	// The setup page says Ponte may reach the CAs' services.
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("setup.html")),
		chromedp.WaitVisible(chromedp.CSS(`#net-access[data-granted="true"] #net-ok`)),
	)

	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	clickThrough(t, ctx, "nocors-renew", "", "")
	waitSuccess(t, ctx, "nocors-renew")
	checkCard(t, bed, journalRecord(t, bed), true)

	// The app page links to the options page (the page API's allow-list), which opens in its own tab
	// (last: a tab in the background takes no screenshots).
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`#flow [data-action="flow-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard`)),
		chromedp.Click(chromedp.CSS(`#link-options`)),
	)
	octx := attach(t, ctx, waitTarget(t, ctx, "page", "/options.html"))
	within(t, octx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#options[data-loaded="true"]`)))
}

// Without host permissions (nor the page API's content script, whose sites Chromium also counts as
// hosts the extension may reach) the same CA is unreadable, and Ponte says which origin it may not
// contact, in the weekly check's status, in the inventory (with the button that asks for it) and on the
// renewal's failure screen, instead of a generic network error.
func TestNoCORSCAWithoutHostPermissions(t *testing.T) {
	ctx, wctx, bed := noCORSPage(t, testbed.Options{}, func(m map[string]any) {
		delete(m, "host_permissions")
		delete(m, "content_scripts")
	})
	origin := bed.CAURL
	keys := cachedCardKeys(t, wctx)
	r := eval[statusRun](t, wctx, fmt.Sprintf(`checkStatus(%d)`, time.Now().UnixMilli()))
	if len(r.Unverified) != 2 {
		t.Fatalf("status check without the permission: %+v", r)
	}
	type perm struct {
		Status struct{ State, Detail, Permission string }
	}
	for _, k := range keys {
		st := eval[map[string]perm](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts)`)[k].Status
		if st.State != "unverified" || st.Permission != "http://127.0.0.1/*" ||
			!strings.Contains(st.Detail, "Ponte non ha il permesso di contattare il servizio OCSP "+origin) {
			t.Fatalf("%s: %+v", k, st)
		}
	}
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("inventory.html")),
		chromedp.WaitVisible(chromedp.CSS(`.permission-grant[data-permission-origins="http://127.0.0.1/*"][data-permission-then="status-recheck"]`)),
	)
	if got := text(t, ctx, `.permission-missing`); !strings.Contains(got, "Ponte non ha il permesso di contattare "+origin) {
		t.Errorf("inventory says %q", got)
	}
	shot(t, ctx, "nocors-inventory-no-permission")

	// The card list says it too, under each certificate.
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"] li[data-role="cns"] .permission-grant[data-permission-then="status-recheck"]`)),
	)
	clickThrough(t, ctx, "nocors-renew-denied", "", "")
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="failure"] #grant-permission`)))
	if got := text(t, ctx, "#failure-reason"); !strings.Contains(got, "CA non raggiungibile: Ponte non ha il permesso di contattare "+origin) {
		t.Errorf("failure screen says %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector("#grant-permission").dataset.permissionOrigins`); got != "http://127.0.0.1/*" {
		t.Errorf("the button asks for %q", got)
	}
	shot(t, ctx, "nocors-renew-no-permission")
}

// Signing and verifying without host permissions against the no-CORS CA: the time stamp fails after the
// card signed, naming the TSA's origin with "Consenti e riprova" (then the file is saved without it), and
// verifying that file says the OCSP responder cannot be contacted, with the button that verifies again.
func TestNoCORSSignAndVerifyWithoutHostPermissions(t *testing.T) {
	ctx, _, bed := noCORSPage(t, testbed.Options{NoPCSC: true}, func(m map[string]any) {
		delete(m, "host_permissions")
		delete(m, "content_scripts")
	})
	downloads, inputs := t.TempDir(), t.TempDir()
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-tsa:checked`)),
	)
	allowDownloads(t, ctx, downloads)
	txt := filepath.Join(inputs, "lettera.txt")
	if err := os.WriteFile(txt, []byte("Al Comune di Roma.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 2*time.Minute,
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{txt}),
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin2")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin2"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm2")),
		chromedp.WaitVisible(chromedp.CSS(`#sign-tsfail`)),
	)
	if got := text(t, ctx, "#sign"); !strings.Contains(got, "Ponte non ha il permesso di contattare "+bed.CAURL) {
		t.Errorf("time stamp failure says %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.permission-grant[data-permission-origins="http://127.0.0.1/*"][data-permission-then="sign-ts-retry"]').length`); n != 1 {
		t.Errorf("%d permission buttons on the time-stamp failure", n)
	}
	shot(t, ctx, "nocors-sign-tsfail")
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`[data-action="sign-ts-drop"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sign-done")),
	)
	p7m := filepath.Join(downloads, "lettera.txt.p7m")
	waitFile(t, p7m)

	within(t, ctx, 2*time.Minute,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{p7m}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result .permission-grant[data-permission-origins="http://127.0.0.1/*"][data-permission-then="verify-file"]`)),
	)
	res := text(t, ctx, "#verify-result")
	if !strings.Contains(res, "Ponte non ha il permesso di contattare "+bed.CAURL) || !strings.Contains(res, "Ponte non ha il permesso di contattare il servizio OCSP "+bed.CAURL) {
		t.Errorf("verification says %q", res)
	}
	shot(t, ctx, "nocors-verify-no-permission")
}
