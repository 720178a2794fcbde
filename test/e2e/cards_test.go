package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// The app page shows the inserted virtual card live — holder, family, certificates and expiry — and
// follows its removal and reinsertion (issue 3).
func TestCardListIsLive(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{})
	ext := extensionWithProfiles(t, build, bed)
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)

	card := `article.smartcard[data-card="8038000000000001"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(card)),
	)
	got := text(t, ctx, card)
	for _, want := range []string{"Intestato a ROSSI MARIO", "RSSMRA80A01H501U", "ST 2021", "Autenticazione (CNS)", "Firma qualificata", "IN SCADENZA", "RINNOVA"} {
		if !strings.Contains(got, want) {
			t.Errorf("card shows %q, lacks %q", got, want)
		}
	}
	shot(t, ctx, "cards-inserted")

	bed.Slot.Remove()
	within(t, ctx, 60*time.Second, chromedp.WaitNotPresent(chromedp.CSS(card)), chromedp.WaitVisible(chromedp.CSS(".reader-empty")))
	shot(t, ctx, "cards-removed")

	if err := bed.Slot.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(card)))
	shot(t, ctx, "cards-reinserted")
}
