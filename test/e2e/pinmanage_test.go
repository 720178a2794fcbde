package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// loginWorks: pkcs11-tool, straight on the bed's SoftHSM token, logs in with pin.
func loginWorks(t *testing.T, bed *testbed.Bed, pin string) bool {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "pkcs11-tool"), "--module", bed.SoftHSM, "--login", "--pin", pin, "--list-objects")
	cmd.Env = append(os.Environ(), bed.Env...)
	return cmd.Run() == nil
}

// typePINForm fills the PIN screen's three fields and confirms.
func typePINForm(t *testing.T, ctx context.Context, first, newPIN, again string, wait string) {
	t.Helper()
	firstField := "#pm-old"
	if exists := eval[bool](t, ctx, `document.getElementById("pm-puk") !== null`); exists {
		firstField = "#pm-puk"
	}
	within(t, ctx, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS(firstField), first),
		chromedp.SendKeys(chromedp.CSS("#pm-new"), newPIN),
		chromedp.SendKeys(chromedp.CSS("#pm-new2"), again),
		chromedp.Click(chromedp.CSS("#pm-confirm")),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	)
}

// "Cambia PIN" on the card: new PINs that differ or are too short are refused before the card is
// asked; a wrong current PIN is "PIN errato" and changes nothing; the right one sets the new PIN, which
// pkcs11-tool then logs in with (and not with the old one). Then "Sblocca il PIN con il PUK" sets another
// with the PUK (the token's SO PIN) — ARCHITECTURE.md: the host does PIN change and unblock.
func TestPINChangeInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{})
	card := `article.smartcard[data-card="` + cardID + `"]`
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(card+` button[data-action="pin-change"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pinmanage[data-mode="change"] #pm-old`)),
	)
	shot(t, ctx, "pin-change-form")

	typePINForm(t, ctx, testbed.PIN, "24681357", "24681358", `#pin-manage-error[data-problem="pinNewMismatch"]`)
	if got := text(t, ctx, "#pin-manage-error"); !strings.Contains(got, "non coincidono") {
		t.Fatalf("mismatch: %q", got)
	}
	// (A PIN shorter than 5 never leaves the form: the fields' minlength stops it in the browser.)
	typePINForm(t, ctx, testbed.PIN, "12ab56", "12ab56", `#pin-manage-error[data-problem="pinNewLength"]`)
	if got := text(t, ctx, "#pin-manage-error"); !strings.Contains(got, "da 5 a 8 cifre, solo numeri") {
		t.Fatalf("not digits: %q", got)
	}
	if !loginWorks(t, bed, testbed.PIN) {
		t.Fatal("a refused new PIN reached the card")
	}
	typePINForm(t, ctx, "11110000", "24681357", "24681357", `#pin-manage-error[data-problem="card"]`)
	if got := text(t, ctx, "#pin-manage-error"); !strings.Contains(got, "PIN errato") {
		t.Fatalf("wrong current PIN: %q", got)
	}
	shot(t, ctx, "pin-change-wrong")
	if !loginWorks(t, bed, testbed.PIN) {
		t.Fatal("a wrong current PIN changed the PIN")
	}
	typePINForm(t, ctx, testbed.PIN, "24681357", "24681357", "#pin-manage-done")
	shot(t, ctx, "pin-change-done")
	if !loginWorks(t, bed, "24681357") || loginWorks(t, bed, testbed.PIN) {
		t.Fatal("the card does not have the new PIN (and only it)")
	}

	// Unblock with the PUK (here on a PIN that is not blocked: forgotten).
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(`#pinmanage button[data-action="pin-manage-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(card)),
		chromedp.Click(chromedp.CSS(card+` button[data-action="pin-unblock"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pinmanage[data-mode="unblock"] #pm-puk`)),
	)
	typePINForm(t, ctx, testbed.PUK, "97531864", "97531864", "#pin-manage-done")
	if !loginWorks(t, bed, "97531864") {
		t.Fatal("the PIN set with the PUK does not log in")
	}
}

// A card whose PIN is blocked (the shim's counter at zero) says so in the list with SBLOCCA IL PIN; a
// wrong PUK is "PUK errato" with the PUK's tries warning and the PIN stays blocked; the right PUK sets
// the new PIN, the list no longer says blocked, and the new PIN logs in.
func TestPINUnblockInBrowser(t *testing.T) {
	ctx, bed := renewalPage(t, testbed.Options{Shim: testenv.PKCS11Module(t, "lockshim"), PINBlocked: true})
	card := `article.smartcard[data-card="` + cardID + `"]`
	within(t, ctx, 30*time.Second, chromedp.WaitVisible(chromedp.CSS(card+` #pin-blocked`)))
	shot(t, ctx, "pin-blocked-card")
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(card+` button[data-action="pin-unblock"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pinmanage[data-mode="unblock"] #pm-puk`)),
	)
	typePINForm(t, ctx, "00000000", "13572468", "13572468", `#pin-manage-error[data-problem="card"]`)
	within(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS("#puk-count-low")))
	if got := text(t, ctx, "#pin-manage-error"); !strings.Contains(got, "PUK") {
		t.Fatalf("wrong PUK: %q", got)
	}
	shot(t, ctx, "pin-unblock-wrong-puk")
	typePINForm(t, ctx, testbed.PUK, "13572468", "13572468", "#pin-manage-done")
	shot(t, ctx, "pin-unblock-done")
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(`#pinmanage button[data-action="pin-manage-close"]`)),
		chromedp.WaitVisible(chromedp.CSS(card+` button[data-action="pin-change"]`)),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll("#pin-blocked").length`); n != 0 {
		t.Error("the card still says its PIN is blocked")
	}
	if !loginWorks(t, bed, "13572468") {
		t.Fatal("the new PIN does not log in")
	}
}
