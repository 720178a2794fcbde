package e2e

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
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

const cardID = "8038000000000001"

// renewalPage opens the app page on the bed's card with the extension carrying the bed's CA profiles.
func renewalPage(t *testing.T, o testbed.Options) (context.Context, *testbed.Bed) {
	t.Helper()
	build := built(t)
	bed := startBed(t, o)
	ctx := startBrowserWith(t, extensionWithProfiles(t, build, bed), filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	return ctx, bed
}

// clickThrough drives the screens (browser.Renewal) with a screenshot of each.
func clickThrough(t *testing.T, ctx context.Context, name, account, password string) {
	t.Helper()
	if err := browser.Renewal(ctx, "cns", testbed.PIN, account, password, func(n string) { shot(t, ctx, name+"-"+n) }); err != nil {
		shot(t, ctx, name+"-failure")
		t.Fatal(err)
	}
}

// journalRecord reads the finished renewal from the host's store (the bed's XDG_STATE_HOME).
func journalRecord(t *testing.T, bed *testbed.Bed) *renew.Renewal {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(bed.Dir, "state", "ponte", "renewals", "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d journal records, want 1", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := renew.DecodeRenewal(b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testbed.PIN) {
		t.Fatal("the journal holds the PIN")
	}
	return r
}

// checkCard asks OpenSC's pkcs11-tool (an independent reader of the token) what is on the card, and
// openssl whether the new certificate chains to the CA.
func checkCard(t *testing.T, bed *testbed.Bed, r *renew.Renewal, oldGone bool) {
	t.Helper()
	list := objectsOf(t, bed)
	if !strings.Contains(list, "ID:         "+r.NewKey) {
		t.Fatalf("pkcs11-tool does not list the new key %s:\n%s", r.NewKey, list)
	}
	if oldGone && strings.Contains(list, "ID:         "+r.OldKey) {
		t.Fatalf("pkcs11-tool still lists the old key %s:\n%s", r.OldKey, list)
	}
	if n := strings.Count(list, "Certificate Object"); n != 2 {
		t.Fatalf("%d certificates on the card, want 2 (CNS and signature):\n%s", n, list)
	}
	verifyOpenSSL(t, bed, r.NewCert)
}

// objectsOf lists the token's objects with pkcs11-tool, on SoftHSM itself, not a shim in front of it (a
// PIN-pad shim refuses a typed PIN).
func objectsOf(t *testing.T, bed *testbed.Bed) string {
	t.Helper()
	tool := testenv.Tool(t, "pkcs11-tool")
	cmd := exec.Command(tool, "--module", bed.SoftHSM, "--login", "--pin", testbed.PIN, "--list-objects")
	cmd.Env = append(os.Environ(), bed.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	return string(out)
}

func verifyOpenSSL(t *testing.T, bed *testbed.Bed, der []byte) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "new.der"), der, 0o644)
	out, err := exec.Command(openssl, "x509", "-inform", "DER", "-in", filepath.Join(dir, "new.der"), "-out", filepath.Join(dir, "new.pem")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	out, err = exec.Command(openssl, "verify", "-CAfile", filepath.Join(bed.Dir, "ca", "ca.pem"), filepath.Join(dir, "new.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
}

func waitSuccess(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if _, err := browser.WaitRenewed(ctx, 3*time.Minute); err != nil {
		shot(t, ctx, name+"-failure")
		t.Fatal(err)
	}
	shot(t, ctx, name+"-4-success")
	if got := text(t, ctx, "#flow"); !strings.Contains(got, "Certificato rinnovato e attivo") || !strings.Contains(got, "ROSSI MARIO") {
		t.Fatalf("success screen: %q", got)
	}
}

// (a) renewal with a new key, as the seeds describe it.
func TestRenewalWithNewKeyInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	clickThrough(t, ctx, "renew-rekey", "", "")
	waitSuccess(t, ctx, "renew-rekey")
	r := journalRecord(t, bed)
	if r.Step != renew.StepDone || r.NewKey == r.OldKey {
		t.Fatalf("journal: step %s, new key %s, old %s", r.Step, r.NewKey, r.OldKey)
	}
	checkCard(t, bed, r, true)
	// The terms and privacy accepted on the screens: versions journaled, sent, kept in the CA's database.
	acc, err := bed.CA.Store.Acceptances(context.Background(), "")
	if r.Accepted == nil || r.Accepted.Terms != ca.DemoTermsVersion || err != nil || len(acc) != 1 ||
		acc[0].TermsVersion != ca.DemoTermsVersion || acc[0].PrivacyVersion != ca.DemoPrivacyVersion || acc[0].State != "confirmed" {
		t.Fatalf("acceptance: journal %+v, CA %+v %v", r.Accepted, acc, err)
	}
	x, _ := x509.ParseCertificate(r.NewCert)
	if !strings.Contains(text(t, ctx, "#new-expiry"), x.NotAfter.Format("/2006")) {
		t.Fatalf("success screen shows %q, new certificate expires %s", text(t, ctx, "#new-expiry"), x.NotAfter)
	}
	// Back on the card list the certificate is no longer in its renewal window.
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(`#flow [data-action="flow-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-role="cns"] .not-renewable`)))
	shot(t, ctx, "renew-rekey-5-cards-after")
}

// (b) extension of validity with the same key, to a date.
func TestRenewalSameKeyInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Profiles: []testbed.Choice{{Server: "extend", Mode: "extend"}}})
	clickThrough(t, ctx, "renew-extend", "", "")
	waitSuccess(t, ctx, "renew-extend")
	r := journalRecord(t, bed)
	if r.NewKey != r.OldKey || r.Mode != "extend" {
		t.Fatalf("journal: mode %s, key %s (old %s)", r.Mode, r.NewKey, r.OldKey)
	}
	checkCard(t, bed, r, false)
	x, _ := x509.ParseCertificate(r.NewCert)
	if x.NotAfter.Month() != time.December || x.NotAfter.Day() != 31 {
		t.Fatalf("extended to %s", x.NotAfter)
	}
}

// (c) paid renewal with the prepaid account's credentials, charged once.
func TestPaidRenewalInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns-paid", Mode: "rekey"}}})
	before := balance(t, bed)
	clickThrough(t, ctx, "renew-paid", bed.Account, bed.Password)
	waitSuccess(t, ctx, "renew-paid")
	r := journalRecord(t, bed)
	checkCard(t, bed, r, true)
	if after := balance(t, bed); after != before-500 {
		t.Fatalf("balance %d → %d, want one charge of 500", before, after)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), bed.Password) {
		t.Fatal("the journal holds the account password")
	}
}

func balance(t *testing.T, bed *testbed.Bed) int64 {
	t.Helper()
	a, err := bed.CA.Store.Account(context.Background(), bed.Account)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// (d) a refused renewal shows the CA's reason, offers the log, and leaves the card as it was.
func TestRefusedRenewalInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns-paid", Mode: "rekey"}}})
	clickThrough(t, ctx, "renew-refused", bed.Account, "not-the-password")
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="failure"]`)))
	shot(t, ctx, "renew-refused-4-failure")
	reason := text(t, ctx, "#failure-reason")
	if !strings.Contains(reason, "Richiesta non inoltrata") {
		t.Fatalf("failure reason %q", reason)
	}
	if got := text(t, ctx, "#flow"); !strings.Contains(got, "Scarica log") || !strings.Contains(got, "non è stata modificata") {
		t.Fatalf("failure screen %q", got)
	}
	r := journalRecord(t, bed)
	if r.Step != renew.StepFailed || !strings.Contains(renew.DiagnosticLog(r), "rollback") {
		t.Fatalf("journal: %s\n%s", r.Step, renew.DiagnosticLog(r))
	}
}
