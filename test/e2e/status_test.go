package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

type statusRecord struct {
	Role, Serial, Issuer, Source, DER string
	Revoked                           bool
	Status                            *struct {
		State, Checked, LastGood, RevokedAt string
		Failures, Reason                    int
	}
}

// statusRun is what background.js checkStatus returns.
type statusRun struct {
	Due, Asked, Revoked, Unverified, NotChecked, Notified []string
}

// The weekly OCSP check (issue 7): the card's certificates are checked good; the CNS certificate is revoked
// with ponte-ca; a day later nothing is asked again, a week later (simulated clock) the check finds it
// REVOCATO with date and reason, notifies once, and the inventory and the card list say so while the
// signature certificate stays ATTIVO; with the responder down the next week's check says "non verificato"
// with the date of the last good check, and the revoked certificate is not asked again.
func TestStatusCheckRevokedWithSimulatedClock(t *testing.T) {
	bed, ctx := bedBrowser(t)
	ponteCA := testenv.Build(t, "cmd/ponte-ca", "ponte-ca")
	card := `article.smartcard[data-card="8038000000000001"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(card)),
	)
	wctx := workerContext(t, ctx)
	// The test is the clock: the real daily alarm (first run a minute after install) would check with
	// today's date between the simulated days and take the revocation first.
	if cleared := eval[bool](t, wctx, `chrome.alarms.clear("ponte-expiry")`); !cleared {
		t.Log("no alarm to clear")
	}
	var cnsKey, sigKey, cnsSerial string
	eventually(t, 10*time.Second, "the app page caches the card's certificates with their bytes", func() (bool, string) {
		recs := eval[map[string]statusRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts || {})`)
		for k, r := range recs {
			if r.Source == "card" && r.DER != "" && r.Role == "cns" {
				cnsKey, cnsSerial = k, r.Serial
			}
			if r.Source == "card" && r.DER != "" && r.Role == "signature" {
				sigKey = k
			}
		}
		return cnsKey != "" && sigKey != "", fmt.Sprintf("%d records", len(recs))
	})
	check := func(at time.Time) statusRun {
		t.Helper()
		return eval[statusRun](t, wctx, fmt.Sprintf(`checkStatus(%d)`, at.UnixMilli()))
	}
	stored := func() map[string]statusRecord {
		return eval[map[string]statusRecord](t, wctx, `chrome.storage.local.get("ponteCerts").then(x => x.ponteCerts)`)
	}

	// First check: both good.
	now := time.Now()
	first := check(now)
	if !contains(first.Asked, cnsKey) || !contains(first.Asked, sigKey) || len(first.Revoked)+len(first.Unverified) != 0 {
		t.Fatalf("first check %+v", first)
	}
	for _, k := range []string{cnsKey, sigKey} {
		if st := stored()[k].Status; st == nil || st.State != "good" {
			t.Fatalf("%s after the first check: %+v", k, st)
		}
	}

	// The CA revokes the CNS certificate (keyCompromise).
	if out, err := exec.Command(ponteCA, "revoke", "--dir", filepath.Join(bed.Dir, "ca"), "--serial", cnsSerial, "--reason", "1").CombinedOutput(); err != nil {
		t.Fatalf("ponte-ca revoke: %v\n%s", err, out)
	}
	// A day later nothing is due: the check is weekly.
	if r := check(now.Add(24 * time.Hour)); len(r.Due) != 0 {
		t.Fatalf("checked again after a day: %+v", r)
	}
	week := now.Add(7*24*time.Hour + time.Minute)
	r := check(week)
	if len(r.Revoked) != 1 || r.Revoked[0] != cnsKey || !contains(r.Asked, sigKey) || len(r.Notified) != 1 {
		t.Fatalf("a week later: %+v", r)
	}
	shown := eval[[]string](t, wctx, `chrome.notifications.getAll().then(n => Object.keys(n))`)
	if !contains(shown, "ponte-revoked|"+cnsKey) {
		t.Fatalf("revocation notification not shown: %v", shown)
	}
	if again := check(week.Add(time.Hour)); len(again.Notified) != 0 || len(again.Due) != 0 {
		t.Fatalf("announced twice or asked again: %+v", again)
	}
	cns := stored()[cnsKey]
	if !cns.Revoked || cns.Status.Reason != 1 || cns.Status.RevokedAt == "" {
		t.Fatalf("stored revocation %+v %+v", cns, cns.Status)
	}
	revokedAt, err := time.Parse(time.RFC3339, cns.Status.RevokedAt)
	if err != nil {
		t.Fatal(err)
	}

	// The notification's click opens the inventory: REVOCATO with date and reason; the signature ATTIVO.
	eval[int](t, wctx, fmt.Sprintf(`openInventory(%q)`, "ponte-revoked|"+cnsKey))
	ictx := attach(t, ctx, waitTarget(t, ctx, "page", "/inventory.html"))
	cnsRow, sigRow := fmt.Sprintf(`tr.inv-row[data-key=%q]`, cnsKey), fmt.Sprintf(`tr.inv-row[data-key=%q]`, sigKey)
	within(t, ictx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(cnsRow+` .inv-check`)))
	// The state is the row's data-state; the words shown are the date and the reason (RFC 5280 §5.3.1).
	if got, state := text(t, ictx, cnsRow), attr(t, ictx, cnsRow, "data-state"); state != certcache.Revoked || !strings.Contains(got, "dal "+itime.Date(revokedAt)+" – motivo: compromissione della chiave") {
		t.Errorf("revoked row %q, state %q", got, state)
	}
	if got, state := text(t, ictx, sigRow), attr(t, ictx, sigRow, "data-state"); state != certcache.Active || !strings.Contains(got, "verificato il "+itime.Date(week)) {
		t.Errorf("good row %q, state %q", got, state)
	}
	shot(t, ictx, "status-inventory-revoked")

	// The card list marks the revoked certificate (its tab was behind the inventory's).
	front(t, ctx)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(card+` li[data-role="cns"] .cert-revoked`)),
	)
	if got := text(t, ctx, card+` li[data-role="cns"] .cert-revoked`); !strings.Contains(got, "REVOCATO il "+itime.Date(revokedAt)) {
		t.Errorf("card list %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('li[data-role="signature"] .cert-revoked').length`); n != 0 {
		t.Error("the good signature certificate is marked revoked")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('li[data-role="cns"] button').length`); n != 0 {
		t.Error("RINNOVA is offered for a revoked certificate (the CA refuses a request signed by it)")
	}
	shot(t, ctx, "status-card-revoked")

	// The responder is down a week later: "non verificato" with the last good date; one request, no error.
	bed.StopCA()
	down := check(week.Add(7*24*time.Hour + time.Minute))
	if len(down.Due) != 1 || down.Due[0] != sigKey || len(down.Unverified) != 1 {
		t.Fatalf("responder down: %+v", down)
	}
	if st := stored()[sigKey].Status; st.State != "unverified" || st.Failures != 1 || st.LastGood == "" {
		t.Fatalf("stored after the failure: %+v", st)
	}
	within(t, ictx, 90*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(sigRow+` .inv-check[data-check="unverified"]`)),
	)
	if got := text(t, ictx, sigRow); !strings.Contains(got, "stato non verificato: ultima verifica riuscita il "+itime.Date(week)) {
		t.Errorf("unverified row %q", got)
	}
	shot(t, ictx, "status-inventory-unverified")
}
