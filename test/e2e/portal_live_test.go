package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

// panelUntil re-reads the portal panel (its closed shadow root, through DevTools) until its text has
// every want, at most 90 times a second apart, and returns the text.
func panelUntil(t *testing.T, ctx context.Context, wants ...string) string {
	t.Helper()
	got := ""
	for i := 0; i < 90; i++ {
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		nodes, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSS(`#ponte-portal-panel`), chromedp.Populate(-1, true)))
		if err == nil && len(nodes) > 0 && len(nodes[0].ShadowRoots) > 0 {
			got, _ = chromedp.Run(tctx, chromedp.Text(chromedp.CSS(".panel"), chromedp.FromNode(nodes[0].ShadowRoots[0])))
		}
		cancel()
		all := true
		for _, w := range wants {
			all = all && strings.Contains(got, w)
		}
		if all {
			return got
		}
		time.Sleep(time.Second)
	}
	shot(t, ctx, "failure-"+t.Name())
	t.Fatalf("the panel never showed %q; it shows:\n%s", wants, got)
	return ""
}

// The portal panel is live (issue 17): opened with the virtual card out of its reader (the bed's token
// alone, family unknown), it shows the card's family as soon as the card is inserted, without a reload — RINNOVA only on the certificate the card list
// would renew, the card list's reason on the other — and when the certificate is suspended from the card
// list in another tab, the panel says SOSPESO with the date and offers RINNOVA no more. It still reads
// nothing from the portal's page.
func TestPortalPanelLive(t *testing.T) {
	addr, spki := facsimilePortal(t)
	bed, ctx := bedBrowser(t, "--host-resolver-rules=MAP "+portalHost+" "+addr, "--ignore-certificate-errors-spki-list="+spki)
	// The card seen in its reader first (until pcscd's first poll the host lists the token alone), then
	// taken out of the reader. The bed's SoftHSM token stays visible through PKCS#11 alone, so the portal
	// opens with the token and no card in a reader: no ATR, so no family ("non riconosciuto").
	within(t, ctx, 90*time.Second, chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"][data-reader^="Ponte VPCD"]`)))
	bed.Slot.Remove()
	within(t, ctx, 60*time.Second, chromedp.WaitNotPresent(chromedp.CSS(`article.smartcard[data-reader^="Ponte VPCD"]`)))

	page := "https://" + portalHost + "/portale/elenco-driver-cittadini-modalita-accesso?inheritRedirect=true"
	within(t, ctx, 30*time.Second, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#driver")))
	if got := panelUntil(t, ctx, "Tipo di tessera non riconosciuto"); strings.Contains(got, "ST 2021") {
		t.Fatalf("the panel shows the card's family with the card out of the reader:\n%s", got)
	}
	shot(t, ctx, "portal-live-1-card-out")
	loads := eval[float64](t, ctx, `performance.getEntriesByType("navigation").length`)

	if err := bed.Slot.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := panelUntil(t, ctx, "ROSSI MARIO", "ST 2021", "Autenticazione (CNS)", "Firma qualificata")
	shot(t, ctx, "portal-live-2-inserted")
	if n := strings.Count(got, "RINNOVA"); n != 1 || !strings.Contains(got, "Rinnovabile dal") {
		t.Errorf("RINNOVA %d times (want once, on the CNS certificate) and the signature certificate's reason:\n%s", n, got)
	}
	if n := eval[float64](t, ctx, `performance.getEntriesByType("navigation").length`); n != loads || eval[string](t, ctx, `document.getElementById("q").value`) != "Cerca nel sito..." {
		t.Error("the portal's page was reloaded or changed")
	}

	app, cancel := chromedp.NewContext(ctx) // a second tab; made without a timeout, or it closes with it (attach)
	defer cancel()
	if err := chromedp.Do(app); err != nil {
		t.Fatal(err)
	}
	within(t, app, 90*time.Second, chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`li.cert[data-role="cns"] [data-action="cert-suspend"]`)))
	lifecycle(t, app, bed, "suspend", "portal-live-suspend", "entro 30 giorni")
	front(t, ctx)
	got = panelUntil(t, ctx, "SOSPESO dal "+time.Now().Format("02/01/2006"))
	shot(t, ctx, "portal-live-3-suspended")
	if strings.Contains(got, "RINNOVA") || strings.Contains(got, "rinnova ora") {
		t.Errorf("RINNOVA offered on a suspended certificate:\n%s", got)
	}
}
