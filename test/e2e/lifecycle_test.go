package e2e

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Suspend, reactivate, then revoke the card's authentication certificate from the card list (issue 17):
// each time the confirmation says what follows, the PIN signs the rr on the virtual card, and at once the
// CA's database and `openssl ocsp` against the CA agree with what the page then shows (SOSPESO with the
// date, valid again, REVOCATO with the date and reason); the inventory shows the revocation; a revoked
// certificate is offered neither RINNOVA nor any other action.
func TestSuspendReactivateRevoke(t *testing.T) {
	bed, ctx := bedBrowser(t)
	x, err := x509.ParseCertificate(bed.Card.AuthCert)
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(t.TempDir(), "cns.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: x.Raw}), 0o644)
	cns := `li.cert[data-role="cns"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(cns+` [data-action="cert-suspend"]`)),
	)

	lifecycle(t, ctx, bed, "suspend", "lc-suspend", "entro 30 giorni")
	caSays(t, bed, x, certPath, 6, "certificateHold")
	if got := text(t, ctx, "#lc-ocsp"); !strings.Contains(got, "sospeso dal "+time.Now().Format("02/01/2006")) {
		t.Errorf("after the suspension the page says %q", got)
	}
	backToCards(t, ctx, cns+` .cert-suspended`)
	if got := text(t, ctx, cns); !strings.Contains(got, "SOSPESO dal") || strings.Contains(got, "RINNOVA") {
		t.Errorf("suspended certificate shows %q", got)
	}
	shot(t, ctx, "lc-suspended-list")

	lifecycle(t, ctx, bed, "reactivate", "lc-reactivate", "solo a chi lo ha sospeso")
	caSays(t, bed, x, certPath, -1, "good")
	backToCards(t, ctx, cns+` [data-action="cert-suspend"]`)
	if got := text(t, ctx, cns); strings.Contains(got, "SOSPESO") || !strings.Contains(got, "RINNOVA") {
		t.Errorf("reactivated certificate shows %q", got)
	}

	lifecycle(t, ctx, bed, "revoke", "lc-revoke", "La revoca è definitiva")
	caSays(t, bed, x, certPath, 1, "keyCompromise")
	backToCards(t, ctx, cns+` .cert-revoked`)
	got := text(t, ctx, cns)
	if !strings.Contains(got, "REVOCATO il "+time.Now().Format("02/01/2006")) || strings.Contains(got, "RINNOVA") || strings.Contains(got, "Riattiva") || strings.Contains(got, "Sospendi") {
		t.Errorf("revoked certificate shows %q", got)
	}
	shot(t, ctx, "lc-revoked-list")

	row := `tr.inv-row[data-source="card"][data-state="revoked"]`
	within(t, ctx, 60*time.Second, chromedp.Navigate(browser.ExtensionURL("inventory.html")), chromedp.WaitVisible(chromedp.CSS(row)))
	if got := text(t, ctx, row); !strings.Contains(got, "REVOCATO") || !strings.Contains(got, "compromissione della chiave") {
		t.Errorf("inventory row %q", got)
	}
	shot(t, ctx, "lc-revoked-inventory")
}

// lifecycle clicks action on the cns certificate, checks the confirmation's words, types the PIN and
// waits for the outcome, with screenshots of each screen.
func lifecycle(t *testing.T, ctx context.Context, bed *testbed.Bed, action, name, what string) {
	t.Helper()
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`li.cert[data-role="cns"] [data-action="cert-`+action+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lifecycle[data-screen="confirm"]`)),
	)
	if got := text(t, ctx, "#lc-what"); !strings.Contains(got, what) {
		t.Errorf("%s confirmation says %q, lacks %q", action, got, what)
	}
	shot(t, ctx, name+"-1-confirm")
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`#lc-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#lc-pin`)),
		chromedp.SendKeys(chromedp.CSS(`#lc-pin`), testbed.PIN),
	)
	shot(t, ctx, name+"-2-pin")
	within(t, ctx, 90*time.Second,
		chromedp.Click(chromedp.CSS(`#lc-pin-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#lifecycle[data-screen="done"], #lifecycle[data-screen="failure"]`)),
	)
	shot(t, ctx, name+"-3-done")
	if got := text(t, ctx, "#lifecycle"); !strings.Contains(got, "Certificato") || strings.Contains(got, "Richiesta non eseguita") {
		t.Fatalf("%s: %q", action, got)
	}
}

func backToCards(t *testing.T, ctx context.Context, wait string) {
	t.Helper()
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(`#lifecycle [data-action="lc-close"]`)), chromedp.WaitVisible(chromedp.CSS(wait)))
}

// caSays checks the CA's database row (reason -1: not revoked) and `openssl ocsp` against the CA.
func caSays(t *testing.T, bed *testbed.Bed, x *x509.Certificate, certPath string, reason int, ocspWord string) {
	t.Helper()
	rec, err := bed.CA.Store.Cert(context.Background(), ca.SerialHex(x.SerialNumber))
	if err != nil || rec.RevokedAt.IsZero() != (reason < 0) || (reason >= 0 && rec.RevocationReason != reason) {
		t.Fatalf("CA row %+v %v, want reason %d", rec, err, reason)
	}
	caPEM := filepath.Join(bed.Dir, "ca", "ca.pem")
	out, err := exec.Command(testenv.Tool(t, "openssl"), "ocsp", "-issuer", caPEM, "-CAfile", caPEM, "-url", bed.CAURL+"/ocsp", "-cert", certPath).CombinedOutput()
	want := []string{"Response verify OK", certPath + ": " + ocspWord}
	if reason >= 0 {
		want = []string{"Response verify OK", certPath + ": revoked", "Reason: " + ocspWord}
	}
	for _, w := range want {
		if err != nil || !strings.Contains(string(out), w) {
			t.Fatalf("openssl ocsp: %v, lacks %q:\n%s", err, w, out)
		}
	}
}
