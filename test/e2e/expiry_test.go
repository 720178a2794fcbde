package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

type cachedRecord struct {
	Card, Holder, Role, NotAfter, Serial, Issuer, Source string
}

type fired struct {
	ID        string
	Threshold int
	Days      int
}

// The app page caches the card's certificate metadata; the service worker, run with a simulated clock a
// week before the CNS certificate expires, fires the 7-day reminder once, and its click opens the renewal
// page for that card (issue 7, expiry watch).
func TestExpiryReminderWithSimulatedClock(t *testing.T) {
	_, ctx := bedBrowser(t)
	card := `article.smartcard[data-card="8038000000000001"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(card)),
	)
	wctx := workerContext(t, ctx)

	// The daily alarm is registered.
	period := eval[float64](t, wctx, `chrome.alarms.get("ponte-expiry").then(a => a ? a.periodInMinutes : 0)`)
	if period != 24*60 {
		t.Fatalf("alarm period %v minutes, want a day", period)
	}

	var recs []cachedRecord
	eventually(t, 10*time.Second, "the page caches the card's certificates after reading the card", func() (bool, string) {
		recs = eval[[]cachedRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => Object.values(x.ponteCerts || {}))`)
		return len(recs) > 0, "no cached certificate"
	})
	var cns *cachedRecord
	for i := range recs {
		if recs[i].Role == "cns" && recs[i].Source == "card" {
			cns = &recs[i]
		}
		if strings.Contains(strings.ToLower(fmt.Sprint(recs[i])), "pin") {
			t.Errorf("cached record mentions a PIN: %+v", recs[i])
		}
	}
	if cns == nil || cns.Card != "8038000000000001" || cns.Holder != "ROSSI MARIO" {
		t.Fatalf("no CNS record for the card in the cache: %+v", recs)
	}
	notAfter, err := time.Parse(time.RFC3339, cns.NotAfter)
	if err != nil {
		t.Fatal(err)
	}
	key := cns.Issuer + "|" + cns.Serial

	// Simulated clock: six and a half days before expiry. The 30-day reminder is skipped (the most urgent
	// one crossed fires), the 7-day one fires.
	now := notAfter.Add(-6*24*time.Hour - 12*time.Hour)
	got := eval[[]fired](t, wctx, fmt.Sprintf(`checkExpiry(%d)`, now.UnixMilli()))
	var note *fired
	for i := range got {
		if got[i].ID == "ponte-expiry|"+key {
			note = &got[i]
		}
	}
	if note == nil || note.Threshold != 7 || note.Days != 6 {
		t.Fatalf("reminders fired %+v, want the 7-day one for %s", got, key)
	}
	shown := eval[[]string](t, wctx, `chrome.notifications.getAll().then(n => Object.keys(n))`)
	if !contains(shown, note.ID) {
		t.Fatalf("notification %q not shown; shown: %v", note.ID, shown)
	}
	if again := eval[[]fired](t, wctx, fmt.Sprintf(`checkExpiry(%d)`, now.Add(12*time.Hour).UnixMilli())); len(again) != 0 {
		t.Fatalf("the same reminder fired twice: %+v", again)
	}
	// The next day-1 reminder fires on its day.
	last := eval[[]fired](t, wctx, fmt.Sprintf(`checkExpiry(%d)`, notAfter.Add(-20*time.Hour).UnixMilli()))
	if len(last) == 0 || last[0].Threshold != 1 {
		t.Fatalf("day-1 reminder: %+v", last)
	}

	// Clicking the notification opens the renewal of that card.
	eval[int](t, wctx, fmt.Sprintf(`openRenewal(%q)`, note.ID))
	id := waitTarget(t, ctx, "page", "/app.html#card=8038000000000001")
	tctx := attach(t, ctx, id)
	within(t, tctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(card+` button`)))
	shot(t, tctx, "expiry-reminder-opens-renewal")
}
