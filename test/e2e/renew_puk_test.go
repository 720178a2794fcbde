package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// tokenObjects is pkcs11-tool's list of everything on the token (logged in).
func tokenObjects(t *testing.T, bed *testbed.Bed) string {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "pkcs11-tool"), "--module", bed.SoftHSM, "--login", "--pin", testbed.PIN, "--list-objects")
	cmd.Env = append(os.Environ(), bed.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	return string(out)
}

func issuedCount(t *testing.T, bed *testbed.Bed) int {
	t.Helper()
	certs, err := bed.CA.Store.Certs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(certs)
}

// An AC 2018 card (ATR from the card table) asks PIN and PUK (seed 000). A wrong PUK brings back the PIN
// and PUK screen with the reason and the PUK's remaining-tries warning (testdata/lockshim.c counters), and
// nothing happened: pkcs11-tool lists the same objects, no journal record, no certificate at the CA. The
// right PUK renews: the SO writes the certificate, pkcs11-tool and openssl check the result.
func TestRenewalWithPUKInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Family: "AC", Shim: testenv.PKCS11Module(t, "lockshim"),
		Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	// The family (and so the PUK) is known once pcscd has seen the card: until its next poll of the
	// reader the host lists the PKCS#11 token alone, with the same card ID and no ATR.
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"][data-reader^="Ponte VPCD"]`)))
	if got := text(t, ctx, `article.smartcard[data-card="`+cardID+`"] .family`); !strings.Contains(got, "AC 2018") {
		t.Fatalf("the card's family shows %q", got)
	}
	objects, issued := tokenObjects(t, bed), issuedCount(t, bed)
	if err := browser.RenewalWith(ctx, browser.Inputs{Role: "cns", PIN: testbed.PIN, PUK: "00000000"},
		func(n string) { shot(t, ctx, "renew-puk-"+n) }); err != nil {
		shot(t, ctx, "renew-puk-failure")
		t.Fatal(err)
	}
	within(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #pin-error`)),
		chromedp.WaitVisible(chromedp.CSS(`#puk-count-low`)))
	shot(t, ctx, "renew-puk-3b-wrong-puk")
	if got := text(t, ctx, "#pin-error"); !strings.Contains(got, "PUK errato") || !strings.Contains(got, "pochi tentativi") {
		t.Fatalf("wrong PUK says %q", got)
	}
	if after := tokenObjects(t, bed); after != objects {
		t.Fatalf("the card changed after a wrong PUK:\nbefore:\n%s\nafter:\n%s", objects, after)
	}
	if n := issuedCount(t, bed); n != issued {
		t.Fatalf("the CA issued %d certificates after a wrong PUK", n-issued)
	}
	if files, _ := filepath.Glob(filepath.Join(bed.Dir, "state", "ponte", "renewals", "*.json")); len(files) != 0 {
		t.Fatalf("journal records after a wrong PUK: %v", files)
	}
	// A second wrong PUK: the last try is announced before the field.
	within(t, ctx, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS(`#pin`), testbed.PIN),
		chromedp.SendKeys(chromedp.CSS(`#puk`), "00000000"),
		chromedp.Click(chromedp.CSS(`#pin-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#puk-final-try`)),
	)
	shot(t, ctx, "renew-puk-3c-final-try")
	if got := text(t, ctx, "#puk-final-try"); !strings.Contains(got, "ULTIMO TENTATIVO per il PUK") {
		t.Fatalf("final try says %q", got)
	}
	within(t, ctx, 30*time.Second,
		chromedp.SendKeys(chromedp.CSS(`#pin`), testbed.PIN),
		chromedp.SendKeys(chromedp.CSS(`#puk`), testbed.PUK),
		chromedp.Click(chromedp.CSS(`#pin-confirm`)),
	)
	waitSuccess(t, ctx, "renew-puk")
	if got := text(t, ctx, "#flow"); !strings.Contains(got, "reinseriscila") {
		t.Fatalf("no remove-and-reinsert advice for an AC card: %q", got)
	}
	r := journalRecord(t, bed)
	if !r.NeedsPUK || r.NewKey == r.OldKey {
		t.Fatalf("journal: needsPUK %v, new key %s, old %s", r.NeedsPUK, r.NewKey, r.OldKey)
	}
	b, _ := os.ReadFile(filepath.Join(bed.Dir, "state", "ponte", "renewals", r.ID+".json"))
	if strings.Contains(string(b), testbed.PUK) {
		t.Fatal("the journal holds a PUK")
	}
	checkCard(t, bed, r, true)
}

// (c) A PIN-pad reader (a token with CKF_PROTECTED_AUTHENTICATION_PATH: testdata/lockshim.c, which also
// refuses a PIN sent by the application): the page says to type the PIN on the reader and shows no PIN
// field, and the renewal completes with the PIN "typed on the reader".
func TestRenewalPINPadInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Shim: testenv.PKCS11Module(t, "lockshim"), PINPad: true,
		Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	var steps []string
	err := browser.RenewalWith(ctx, browser.Inputs{Role: "cns"}, func(n string) {
		steps = append(steps, n)
		shot(t, ctx, "renew-pinpad-"+n)
		if n != "3-pin" {
			return
		}
		if got := text(t, ctx, "#pin-pad"); !strings.Contains(got, "Digita il PIN sul tastierino del lettore") {
			t.Errorf("PIN-pad screen says %q", got)
		}
		if !eval[bool](t, ctx, `document.getElementById("pin") === null`) {
			t.Errorf("a PIN field is shown on a PIN-pad reader")
		}
	})
	if err != nil {
		shot(t, ctx, "renew-pinpad-failure")
		t.Fatal(err)
	}
	if len(steps) != 3 {
		t.Fatalf("screens %v", steps)
	}
	waitSuccess(t, ctx, "renew-pinpad")
	r := journalRecord(t, bed)
	if r.NewKey == r.OldKey {
		t.Fatalf("journal: new key %s, old %s", r.NewKey, r.OldKey)
	}
	checkCard(t, bed, r, true)
}
