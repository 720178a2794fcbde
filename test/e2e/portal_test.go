package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const portalHost = "sistemats1.sanita.finanze.it"

// facsimilePortal serves the facsimile pages over TLS on loopback, with a certificate for the real host
// name; it returns the address and the base64 SHA-256 of the certificate's public key, which the test
// profile alone is told to accept (--ignore-certificate-errors-spki-list).
func facsimilePortal(t *testing.T) (addr, spki string) {
	t.Helper()
	pages := map[string]string{
		"/portale/elenco-driver-cittadini-modalita-accesso": "elenco-driver.html",
		"/portale/documenti-e-specifiche-tecniche":          "documenti.html",
	}
	return tlsSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join("testdata", "sistemats", f))
	}), portalHost)
}

// panelRoot waits for the panel to be filled and returns its shadow root, which is closed to the page's
// scripts but not to DevTools.
func panelRoot(t *testing.T, ctx context.Context) *chromedp.Node {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSS(`#ponte-portal-panel[data-state="ready"]`), chromedp.Populate(-1, true)))
	if err != nil || len(nodes) == 0 || len(nodes[0].ShadowRoots) == 0 {
		shot(t, ctx, "failure-"+t.Name())
		t.Fatalf("no filled panel: %v", err)
	}
	return nodes[0].ShadowRoots[0]
}

func panelText(t *testing.T, ctx context.Context, root *chromedp.Node) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, textWait)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(".panel"), chromedp.FromNode(root)))
	if err != nil {
		failPage(t, ctx, "no .panel in the portal panel", err)
	}
	return s
}

// On the Sistema TS portal (a facsimile served under the real host name), the panel shows the card, its
// family, the driver it needs and the one in use, and the certificates' expiry; the portal's own content
// is untouched, its hostile CSS does not hide the panel, and RINNOVA opens the card's renewal (issue 7).
func TestPortalPanelOnSistemaTS(t *testing.T) {
	addr, spki := facsimilePortal(t)
	_, ctx := bedBrowser(t, "--host-resolver-rules=MAP "+portalHost+" "+addr,
		"--ignore-certificate-errors-spki-list="+spki)

	page := "https://" + portalHost + "/portale/elenco-driver-cittadini-modalita-accesso?inheritRedirect=true"
	within(t, ctx, 30*time.Second, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#driver")))
	root := panelRoot(t, ctx)
	got := panelText(t, ctx, root)
	for _, want := range []string{"ROSSI MARIO", "ST 2021", "Driver per questa tessera: safedive", "Installato e in uso", "Autenticazione (CNS): scade il", "RINNOVA"} {
		if !strings.Contains(got, want) {
			t.Errorf("panel lacks %q:\n%s", want, got)
		}
	}
	// The portal's content and form are as served: the panel lives outside <body>, in its own shadow root.
	same := eval[bool](t, ctx, `fetch(location.href).then(r => r.text()).then(src =>
		new DOMParser().parseFromString(src, "text/html").body.innerHTML === document.body.innerHTML &&
		document.getElementById("q").value === "Cerca nel sito...")`)
	if !same {
		t.Error("the portal's page changed")
	}
	if closed := eval[bool](t, ctx, `document.getElementById("ponte-portal-panel").shadowRoot === null`); !closed {
		t.Error("the page's scripts can reach into the panel")
	}
	shot(t, ctx, "portal-panel-elenco-driver")

	// A real click on RINNOVA, as visible on the page (the portal's CSS hides every <button> of its own).
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("button.renew"), chromedp.FromNode(root)))
	tab := attach(t, ctx, waitTarget(t, ctx, "page", "/app.html#card=8038000000000001"))
	within(t, tab, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="8038000000000001"] button`)))
	shot(t, tab, "portal-panel-opens-renewal")

	// The technical documents page hides custom elements in its CSS: the panel still shows. The portal's
	// tab is behind the renewal tab now: brought to the front, as the user would, so it paints.
	front(t, ctx)
	within(t, ctx, 30*time.Second, chromedp.Navigate("https://"+portalHost+"/portale/documenti-e-specifiche-tecniche"),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	got = panelText(t, ctx, panelRoot(t, ctx))
	if !strings.Contains(got, "ROSSI MARIO") {
		t.Fatalf("panel on the documents page: %q", got)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(document.getElementById("ponte-portal-panel")).display !== "none"`); !shown {
		t.Error("the page's CSS hid the panel")
	}
	shot(t, ctx, "portal-panel-documenti")
}
