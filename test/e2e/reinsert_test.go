package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// After renewing an AC 2018 card (seed 000: take the card out and put it back), the success screen does
// not say the card is ready until the virtual card is taken out of the reader and put back (card events
// from pcscd through ponte-host), then gives the driver advice for this OS (seed 000 §3; on Linux the
// package the Sistema TS portal offers for the family, seed 001).
func TestRenewalACWaitsForReinsertion(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Family: "AC", Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"][data-reader^="Ponte VPCD"]`)))
	if err := browser.RenewalWith(ctx, browser.Inputs{Role: "cns", PIN: testbed.PIN, PUK: testbed.PUK},
		func(n string) { shot(t, ctx, "reinsert-"+n) }); err != nil {
		shot(t, ctx, "reinsert-failure")
		t.Fatal(err)
	}
	waitSuccess(t, ctx, "reinsert")
	within(t, ctx, 30*time.Second, chromedp.WaitVisible(chromedp.CSS(`#reinsert[data-step="remove"]`)))
	if got := text(t, ctx, "#flow"); strings.Contains(got, "pronta") {
		t.Fatalf("the card is called ready before it was taken out: %q", got)
	}

	bed.Slot.Remove()
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#reinsert[data-step="insert"]`)))
	shot(t, ctx, "reinsert-5-taken-out")
	if got := text(t, ctx, "#flow"); strings.Contains(got, "pronta") || !strings.Contains(got, "ora reinseriscila") {
		t.Fatalf("card out: %q", got)
	}

	if err := bed.Slot.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#card-ready`)), chromedp.WaitVisible(chromedp.CSS(`#driver-advice`)))
	shot(t, ctx, "reinsert-6-ready")
	if got := text(t, ctx, "#driver-advice"); !strings.Contains(got, "libbit4xpki-idemia") {
		t.Fatalf("driver advice on Linux: %q", got)
	}
}
