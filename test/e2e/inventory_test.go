package e2e

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// workstationCert makes, with openssl, a workstation certificate like the ANPR console's (seed 003) valid
// for days, and returns its .pem and a .p12 protected by password.
func workstationCert(t *testing.T, cn string, days int, password string) (pemPath, p12Path string) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	key, pemPath, p12Path := filepath.Join(dir, "key.pem"), filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".p12")
	for _, args := range [][]string{
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pemPath, "-days", strconv.Itoa(days), "-subj", "/CN=" + cn + "/O=Comune di Prova"},
		// OpenSSL 3's default encryption: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.
		{"pkcs12", "-export", "-in", pemPath, "-inkey", key, "-out", p12Path, "-passout", "pass:" + password},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	return pemPath, p12Path
}

// The inventory lists the card's certificates (seen on the app page) and a workstation certificate added
// from a .p12 with its password, in the ANPR console's columns and states; a wrong password is refused in
// words and the password field is emptied (issue 7, inventory).
func TestInventoryAddsP12(t *testing.T) {
	_, ctx := bedBrowser(t)
	_, p12 := workstationCert(t, "XXXXX-PC-0001", 20, "segreta")
	srvPEM, _ := workstationCert(t, "XXXXX-CO-9998", 400, "x")

	cardRow := `tr.inv-row[data-source="card"]`
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("inventory.html")),
		chromedp.WaitVisible(chromedp.CSS(cardRow)),
	)
	if got, state := text(t, ctx, cardRow), attr(t, ctx, cardRow, "data-state"); !strings.Contains(got, "Autenticazione (CNS)") || state != certcache.Expiring {
		t.Errorf("card row %q, state %q", got, state)
	}

	// Wrong password: a specific error, nothing added, the field emptied.
	within(t, ctx, 60*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#inv-file"), []string{p12}),
		chromedp.SendKeys(chromedp.CSS("#inv-password"), "sbagliata"),
		chromedp.Click(chromedp.CSS(`#inv-add button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#inv-error")),
	)
	if got := text(t, ctx, "#inv-error"); !strings.Contains(got, "password del file .p12 errata") {
		t.Fatalf("wrong password error %q", got)
	}
	if v := eval[string](t, ctx, `document.getElementById("inv-password").value`); v != "" {
		t.Fatal("the password stays in the field after use")
	}

	row := `tr.inv-row[data-source="file"]`
	within(t, ctx, 60*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#inv-file"), []string{p12}),
		chromedp.SendKeys(chromedp.CSS("#inv-password"), "segreta"),
		chromedp.Click(chromedp.CSS(`#inv-add button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	got := text(t, ctx, row)
	for _, want := range []string{"XXXXX-PC-0001", time.Now().AddDate(0, 0, 20).Format("02/01/2006")} {
		if !strings.Contains(got, want) {
			t.Errorf("added row %q lacks %q", got, want)
		}
	}
	if state := attr(t, ctx, row, "data-state"); state != certcache.Expiring {
		t.Errorf("added row (20 days left) in state %q", state)
	}
	within(t, ctx, 60*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#inv-file"), []string{srvPEM}),
		chromedp.Click(chromedp.CSS(`#inv-add button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.inv-row[data-source="file"][data-state="active"]`)),
	)
	if got := text(t, ctx, `tr.inv-row[data-source="file"][data-state="active"]`); !strings.Contains(got, "XXXXX-CO-9998") {
		t.Errorf("server certificate row %q", got)
	}
	// Nothing in storage holds the password.
	stored := eval[string](t, ctx, `chrome.storage.local.get(null).then(x => JSON.stringify(x))`)
	if strings.Contains(stored, "segreta") {
		t.Fatal("the .p12 password was stored")
	}
	shot(t, ctx, "inventory-p12-added")

	// The .ics export: one VEVENT per certificate, each with its alarm a month before (RFC 5545).
	dl := t.TempDir()
	allowDownloads(t, ctx, dl)
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#inv-ics")))
	cal := waitFile(t, filepath.Join(dl, "ponte-scadenze.ics"))
	rows := eval[int](t, ctx, `document.querySelectorAll("tr.inv-row").length`)
	ics := string(cal)
	if n := strings.Count(ics, "BEGIN:VEVENT"); n != rows || rows < 4 || strings.Count(ics, "TRIGGER:-P30D") != rows ||
		!strings.Contains(ics, "SUMMARY:Scade il certificato XXXXX-PC-0001") {
		t.Fatalf("%d rows; calendar:\n%s", rows, ics)
	}

	// Survives a reload (kept in chrome.storage.local).
	within(t, ctx, 60*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
}
