package e2e

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// cnsDelay sets the CA's deliberate delay on the cns profile (the time a renewal waits at the CA).
func cnsDelay(t *testing.T, bed *testbed.Bed, seconds int) {
	t.Helper()
	p := *bed.CA.Profiles["cns"]
	p.DelaySeconds = seconds
	if err := bed.CA.AddProfile(&p); err != nil {
		t.Fatal(err)
	}
}

// typePIN confirms the PIN screen shown again to resume a renewal.
func typePIN(t *testing.T, ctx context.Context) {
	t.Helper()
	within(t, ctx, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS(`#pin`), testbed.PIN),
		chromedp.Click(chromedp.CSS(`#pin-confirm`)),
	)
}

// Card removed on the progress screen: the page pauses and asks to reinsert it; once it is back the PIN
// is asked again (the card's session ended) and the renewal resumes to "Certificato rinnovato e attivo",
// with one new key and one certificate on the card.
func TestRenewalCardRemovedInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	cnsDelay(t, bed, 6) // the request waits at the CA long enough to pull the card meanwhile
	ctx := startBrowserWith(t, extensionWithProfiles(t, build, bed), filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	clickThrough(t, ctx, "renew-removed", "", "")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="progress"]`)))
	shot(t, ctx, "renew-removed-3a-progress")

	bed.Slot.Remove()
	within(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="progress"] #paused`)))
	shot(t, ctx, "renew-removed-3b-paused")
	if got := text(t, ctx, "#paused"); !strings.Contains(got, "reinseriscila") {
		t.Fatalf("pause text %q", got)
	}
	r := journalRecord(t, bed)
	if r.Step.Terminal() || r.Failure == nil || !r.Failure.Retriable {
		t.Fatalf("journal while paused: step %s, failure %+v", r.Step, r.Failure)
	}

	if err := bed.Slot.Insert(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #pin`)))
	shot(t, ctx, "renew-removed-3c-pin-again")
	typePIN(t, ctx)
	waitSuccess(t, ctx, "renew-removed")
	r = journalRecord(t, bed)
	if r.Step != renew.StepDone || r.NewKey == r.OldKey {
		t.Fatalf("journal: step %s, new key %s, old %s", r.Step, r.NewKey, r.OldKey)
	}
	checkCard(t, bed, r, true)
}

// A CA slower than the page waits: "Richiesta inoltrata correttamente" with SCARICA; the tab is left
// and the app page opened again: the card shows the pending renewal with SCARICA, which (after the PIN)
// downloads the certificate and ends on "Certificato rinnovato e attivo".
func TestRenewalWaitingSurvivesClosingInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	cnsDelay(t, bed, 8)
	ext := extensionWithProfiles(t, build, bed)
	// The client waits at most one second in one go, then offers SCARICA (seed 002, two phases).
	editProfile(t, ext, "cns-rekey.json", func(p map[string]any) { p["maxWaitSeconds"] = 1 })
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	card := `article.smartcard[data-card="` + cardID + `"]`
	within(t, ctx, 90*time.Second, chromedp.Navigate(browser.ExtensionURL("app.html")), chromedp.WaitVisible(chromedp.CSS(card)))
	clickThrough(t, ctx, "renew-waiting", "", "")
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="waiting"] [data-action="renew-resume"]`)))
	shot(t, ctx, "renew-waiting-3a-waiting")
	if got := text(t, ctx, "#flow"); !strings.Contains(got, "Richiesta inoltrata correttamente") || !strings.Contains(got, "SCARICA") {
		t.Fatalf("waiting screen %q", got)
	}
	r := journalRecord(t, bed)
	if r.Step != renew.StepWaiting || r.Tx == nil {
		t.Fatalf("journal: step %s, transaction %v", r.Step, r.Tx)
	}

	// Close the tab: leave the page (the beforeunload guard covers only a running renewal).
	within(t, ctx, 30*time.Second, chromedp.Navigate("about:blank"))
	within(t, ctx, 90*time.Second, chromedp.Navigate(browser.ExtensionURL("app.html")), chromedp.WaitVisible(chromedp.CSS(card)))
	pending := card + ` p.pending[data-renewal="` + r.ID + `"] [data-action="renew-resume"]`
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(pending)))
	shot(t, ctx, "renew-waiting-3b-reopened")
	if got := text(t, ctx, card+" p.pending"); !strings.Contains(got, "SCARICA") {
		t.Fatalf("pending renewal shows %q", got)
	}

	// SCARICA once the CA has the certificate ready (its transaction's ready time, from its own books).
	txn, err := bed.CA.Store.Txn(context.Background(), hex.EncodeToString(r.Tx.TransactionID))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(txn.ReadyAt); d > 0 && d < time.Minute {
		time.Sleep(d + time.Second)
	}
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(pending)),
		chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #pin`)),
	)
	shot(t, ctx, "renew-waiting-3c-pin")
	typePIN(t, ctx)
	waitSuccess(t, ctx, "renew-waiting")
	r = journalRecord(t, bed)
	if r.Step != renew.StepDone {
		t.Fatalf("journal: step %s", r.Step)
	}
	checkCard(t, bed, r, true)
}
