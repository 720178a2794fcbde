package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

// contentScriptEval evaluates expr in the isolated world of Ponte's content script on the page target id
// (where pagebridge.js runs, and what a compromised renderer can run), not in the page's own world.
func contentScriptEval(t *testing.T, ctx context.Context, id string, expr string) string {
	t.Helper()
	var mu sync.Mutex
	var worlds []runtime.ExecutionContextDescription
	c := attach(t, ctx, waitTarget(t, ctx, "page", id), chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*runtime.EventExecutionContextCreated); ok {
			mu.Lock()
			worlds = append(worlds, *e.Context)
			mu.Unlock()
		}
	}))
	ext := strings.TrimSuffix(browser.ExtensionURL(""), "/")
	var world *runtime.ExecutionContextDescription
	eventually(t, 10*time.Second, "the content script's world on the page", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for i := range worlds {
			var aux struct{ Type string }
			_ = json.Unmarshal([]byte(worlds[i].AuxData), &aux)
			if aux.Type == "isolated" && (strings.HasPrefix(worlds[i].Origin, ext) || strings.Contains(worlds[i].Name, "Ponte")) {
				world = &worlds[i]
			}
		}
		return world != nil, fmt.Sprintf("%d execution contexts, none Ponte's isolated world", len(worlds))
	})
	tctx, tcancel := context.WithTimeout(c, 30*time.Second)
	defer tcancel()
	yes := true
	r, err := chromedp.Call(tctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, UniqueContextID: world.UniqueID, AwaitPromise: &yes, ReturnByValue: &yes})
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal([]byte(r.Result.Value), &s); err != nil {
		t.Fatalf("%s: %s", expr, r.Result.Value)
	}
	return s
}

// refuseCertificate asks for the certificate from the demo page and refuses in Ponte's window.
func refuseCertificate(t *testing.T, ctx context.Context) {
	t.Helper()
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-cert")))
	consent := attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"] #consent-cert-data`)))
	confirmClosing(t, consent, "#consent-cancel")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#cert-out[data-state="error"]`)))
	if code := eval[string](t, ctx, `document.getElementById("cert-out").dataset.code`); code != "USER_CANCELLED" {
		t.Fatalf("refused certificate: %s", code)
	}
	waitNoConsent(t, ctx)
}

// Issue 15, attacked from outside (the auditor's test): the extension's storage is out of a content
// script's reach in Chromium; a site taken off the allow-list loses its "ricorda"; a refused site's wait
// survives the service worker being stopped (Chrome stops it after 30 idle seconds).
func TestPageAPIAttacks(t *testing.T) {
	_, ctx := bedBrowser(t, pageAPISites(t)...)
	origin := "https://" + allowedSite
	allowOrigin(t, ctx, origin, origin)

	// The certificate, remembered for the site.
	within(t, ctx, 30*time.Second, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-cert")),
		chromedp.Click(chromedp.CSS("#do-cert")))
	consent := attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"] #consent-cert-data`)),
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)), chromedp.Click(chromedp.CSS("#consent-remember")))
	confirmClosing(t, consent, "#consent-confirm")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#cert-out[data-state="done"]`)))
	waitNoConsent(t, ctx)

	// The content script's world (what a compromised renderer runs) cannot read or write the allow-list,
	// the remembered sites or the refusal count; the page's own world has no chrome.storage at all.
	for _, area := range []string{"local", "session"} {
		got := contentScriptEval(t, ctx, allowedSite, `chrome.storage.`+area+`.get(null).then((v) => "READ " + JSON.stringify(v), (e) => "refused: " + e.message)`)
		if !strings.HasPrefix(got, "refused") {
			t.Errorf("a content script reads storage.%s: %s", area, got)
		}
		got = contentScriptEval(t, ctx, allowedSite, `chrome.storage.`+area+`.set({ ponteAllowedOrigins: ["https://evil.example"], ponteRefusals: {} }).then(() => "WROTE", (e) => "refused: " + e.message)`)
		if !strings.HasPrefix(got, "refused") {
			t.Errorf("a content script writes storage.%s: %s", area, got)
		}
	}
	if got := eval[string](t, ctx, `typeof (globalThis.chrome && chrome.storage)`); got != "undefined" {
		t.Errorf("the page's world sees chrome.storage: %s", got)
	}

	// Off the allow-list, the site loses "ricorda": added again, it asks again.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("options.html")),
		chromedp.WaitVisible(chromedp.CSS(`li.cert-origin[data-origin="`+origin+`"]`)),
		chromedp.Click(chromedp.CSS(`li.origin[data-origin="`+origin+`"] button[data-action="origins-remove"]`)),
		chromedp.WaitVisible(chromedp.CSS("#origins-none")),
		chromedp.WaitVisible(chromedp.CSS("#cert-origins-none")),
	)
	if got := eval[string](t, ctx, `chrome.storage.local.get("ponteCertOrigins").then((v) => JSON.stringify(v.ponteCertOrigins || []))`); strings.Contains(got, origin) {
		t.Fatalf("removed from the allow-list, still remembered: %s", got)
	}
	allowOrigin(t, ctx, origin, origin)
	within(t, ctx, 30*time.Second, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-cert")))

	// Two refusals (the second wait is 10 s), then the worker is stopped: the new worker still says wait.
	refuseCertificate(t, ctx)   // it asks again: a window, not the remembered answer
	time.Sleep(5 * time.Second) // the first refusal's wait (docs/page-api.md); not an assertion on time
	refuseCertificate(t, ctx)
	// DevTools closes the worker's target (what Puppeteer's WebWorker.close does to test an extension
	// worker's end): the worker stops as Chrome stops an idle one.
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if _, err := chromedp.CallBrowser(sctx, target.CloseTarget, target.CloseTargetParams{TargetID: waitTarget(t, ctx, "service_worker", "/background.js")}); err != nil {
		t.Fatal(err)
	}
	t.Log("workers stopped")
	eventually(t, 5*time.Second, "the service worker stops", func() (bool, string) {
		return targetOf(t, ctx, "service_worker", "/background.js") == "", "still running"
	})
	wantCode(t, ctx, "do-cert", "cert-out", "RATE_LIMITED")
	if n := consentTargets(t, ctx); n != 0 {
		t.Fatalf("%d consent windows from a restarted worker while the site waits", n)
	}
}
