package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// startBed starts the embedded default (ponte-ca, SoftHSM TS-CNS, the same card on a private pcscd).
func startBed(t *testing.T, o testbed.Options) *testbed.Bed {
	t.Helper()
	testenv.Tool(t, "pcscd")
	testenv.File(t, "vpcd driver (vsmartcard-vpcd)", "/usr/lib/pcsc/drivers/serial/libifdvpcd.so", "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so")
	testenv.Tool(t, "softhsm2-util")
	o.Dir = t.TempDir()
	t.Setenv("SOFTHSM2_CONF", "") // restored after the test; the bed sets its own
	b, err := testbed.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// extensionWithProfiles copies the built extension and adds the bed's CA profiles.
func extensionWithProfiles(t *testing.T, build string, b *testbed.Bed) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "extension")
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(build, "extension"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dst, "profiles"), os.DirFS(b.ProfilesDir)); err != nil {
		t.Fatal(err)
	}
	// Verification without the AgID list from the network (trustedlist_test.go serves a local one).
	if err := os.WriteFile(filepath.Join(dst, "tsl.json"), []byte(`{"url":"off"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

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
