package e2e

// Issue 14 in the browser (docs/renewal.md): a qualified signature certificate renewed; a certificate the
// card refuses, rejected at the CA, then a successful retry; "Annulla il rinnovo". Each judged from the
// token (pkcs11-tool), the CA's books and the journal on disk, with screenshots.

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// appWith opens the app page on the bed's card with the extension folder ext.
func appWith(t *testing.T, build, ext string, bed *testbed.Bed) context.Context {
	t.Helper()
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	return ctx
}

// certAt reads a certificate's record in the CA's books.
func certAt(t *testing.T, bed *testbed.Bed, der []byte) (revoked bool) {
	t.Helper()
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bed.CA.Store.Cert(context.Background(), ca.SerialHex(x.SerialNumber))
	if err != nil {
		t.Fatal(err)
	}
	return !c.RevokedAt.IsZero()
}

// A qualified signature certificate (keyUsage nonRepudiation, a key with CKA_ALWAYS_AUTHENTICATE): the
// renewal signs with the PIN typed once for every context-specific login and ends with the new signature
// certificate on the card. Needs ponte-ca to accept a kur protected by a nonRepudiation-only certificate
// (branch renew-ca).
func TestSignatureRenewalInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{SigLeft: 30 * 24 * time.Hour, Profiles: []testbed.Choice{{Server: "signature", Mode: "rekey"}}})
	if err := browser.Renewal(ctx, "signature", testbed.PIN, bed.Account, bed.Password, func(n string) { shot(t, ctx, "renew-signature-"+n) }); err != nil {
		shot(t, ctx, "renew-signature-failure")
		t.Fatal(err)
	}
	waitSuccess(t, ctx, "renew-signature")
	r := journalRecord(t, bed)
	if r.Step != renew.StepDone || r.Role != "signature" || r.NewKey == r.OldKey {
		t.Fatalf("journal: step %s, role %s", r.Step, r.Role)
	}
	checkCard(t, bed, r, true)
	x, _ := x509.ParseCertificate(r.NewCert)
	if x.KeyUsage&x509.KeyUsageContentCommitment == 0 || certAt(t, bed, r.NewCert) {
		t.Fatalf("new signature certificate: keyUsage %v, revoked %v", x.KeyUsage, certAt(t, bed, r.NewCert))
	}
}

// The card refuses the new certificate (a final failure, the lockshim module's LOCKSHIM_FAIL_CERT_WRITES):
// the screen says the card was not changed, the CA revoked the rejected certificate; RINNOVA again
// renews. Needs ponte-ca not to count the rejected certificate (branch renew-ca).
func TestRejectedThenRetryInBrowser(t *testing.T) {
	build := built(t)
	o := testbed.Options{Shim: testenv.PKCS11Module(t, "lockshim"), Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}}
	bed := startBed(t, o)
	cnsDelay(t, bed, 0)
	bed.Env = append(bed.Env, "LOCKSHIM_FAIL_CERT_WRITES=1")
	ext := extensionWithProfiles(t, build, bed)
	editProfile(t, ext, "cns-rekey.json", func(p map[string]any) { p["implicitConfirm"] = false })
	ctx := appWith(t, build, ext, bed)
	clickThrough(t, ctx, "renew-rejected", "", "")
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="failure"] #failure-safe`)))
	shot(t, ctx, "renew-rejected-4-failure")
	first := journalRecord(t, bed)
	if first.Step != renew.StepFailed || first.RollbackFailed || first.NewCert == nil || !certAt(t, bed, first.NewCert) {
		t.Fatalf("after the refusal: step %s, rollbackFailed %v, first certificate revoked %v\n%s", first.Step, first.RollbackFailed,
			first.NewCert != nil && certAt(t, bed, first.NewCert), renew.DiagnosticLog(first))
	}
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(`#flow [data-action="flow-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-role="cns"] button.renew`)))
	clickThrough(t, ctx, "renew-retry", "", "")
	waitSuccess(t, ctx, "renew-retry")
	var done *renew.Renewal
	all, err := renew.FileJournal{Dir: filepath.Join(bed.Dir, "state", "ponte", "renewals")}.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Step == renew.StepDone {
			done = r
		}
	}
	if done == nil || certAt(t, bed, done.NewCert) {
		t.Fatalf("no renewal done after the retry, or its certificate revoked: %+v", done)
	}
	checkCard(t, bed, done, true)
}

// "Annulla il rinnovo" on a renewal waiting at the CA: the PIN, then the CA is told (the certificate it
// issued meanwhile is rejected and revoked), the new key leaves the card, the journal closes the record.
func TestAbandonInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	cnsDelay(t, bed, 4)
	ext := extensionWithProfiles(t, build, bed)
	editProfile(t, ext, "cns-rekey.json", func(p map[string]any) { p["implicitConfirm"] = false; p["maxWaitSeconds"] = 1 })
	ctx := appWith(t, build, ext, bed)
	clickThrough(t, ctx, "renew-abandon", "", "")
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="waiting"]`)))
	shot(t, ctx, "renew-abandon-4-waiting")
	time.Sleep(5 * time.Second) // the CA issues meanwhile: Annulla must find and reject that certificate
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`#flow [data-action="renew-abandon"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #abandon-help`)),
	)
	shot(t, ctx, "renew-abandon-5-pin")
	typePIN(t, ctx)
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#abandoned`)))
	shot(t, ctx, "renew-abandon-6-abandoned")
	r := journalRecord(t, bed)
	if r.Step != renew.StepFailed || r.Failure == nil || r.Failure.Code != "abandoned" || r.RollbackFailed {
		t.Fatalf("journal after Annulla: step %s, failure %+v\n%s", r.Step, r.Failure, renew.DiagnosticLog(r))
	}
	if r.NewCert == nil || !certAt(t, bed, r.NewCert) {
		t.Fatalf("the certificate issued for the cancelled renewal is not revoked at the CA\n%s", renew.DiagnosticLog(r))
	}
	txn, err := bed.CA.Store.Txn(context.Background(), hex.EncodeToString(r.Tx.TransactionID))
	if err != nil || txn.State != "rejected" {
		t.Fatalf("CA transaction: %+v %v", txn, err)
	}
	list := objectsOf(t, bed)
	if strings.Contains(list, "ID:         "+r.NewKey) || !strings.Contains(list, "ID:         "+r.OldKey) {
		t.Fatalf("after Annulla the card must hold the old key and not the new %s:\n%s", r.NewKey, list)
	}
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(`#flow [data-action="flow-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-role="cns"] button.renew`)))
	shot(t, ctx, "renew-abandon-7-cards")
}
