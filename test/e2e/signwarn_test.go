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

	pbrowser "github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// signPage opens the Firma page of a browser on bed with downloads going to a new folder, returned.
func signPage(t *testing.T, bed *testbed.Bed) (context.Context, string) {
	t.Helper()
	build := built(t)
	ext := extensionWithProfiles(t, build, bed)
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(pbrowser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-file`)),
	)
	downloads := t.TempDir()
	allowDownloads(t, ctx, downloads)
	return ctx, downloads
}

// chooseFile picks file on the choose screen (format: "" automatic, "cades", "p7s") and waits for sel.
func chooseFile(t *testing.T, ctx context.Context, file, format, sel string) {
	t.Helper()
	within(t, ctx, 60*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-file`)),
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`input[name="format"][value="`+format+`"]`)),
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	)
}

// noPINField: the page has no PIN input at this point.
func noPINField(t *testing.T, ctx context.Context) {
	t.Helper()
	if eval[bool](t, ctx, `document.querySelector('input[type="password"]') !== null`) {
		t.Fatal("a PIN field is shown before the warnings were accepted")
	}
}

// typePINs types the PIN, and the signature key's context-specific PIN when ctxPIN, then waits for the
// download to be offered.
func typePINs(ctxPIN bool) []chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm")),
	}
	if ctxPIN {
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS("#sign-pin2")),
			chromedp.SendKeys(chromedp.CSS("#sign-pin2"), testbed.PIN),
			chromedp.Click(chromedp.CSS("#sign-confirm2")))
	}
	return append(steps, chromedp.WaitVisible(chromedp.CSS("#sign-done")))
}

// cancelWarning presses ANNULLA on the warning screen and waits for the file choice.
func cancelWarning(t *testing.T, ctx context.Context) {
	t.Helper()
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#sign-cancel")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"]`)),
	)
}

// pdfsigSays runs pdfsig with an NSS database trusting caPEM and checks its output has every want.
func pdfsigSays(t *testing.T, caPEM, file string, want ...string) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "pdfsig"), "-nssdir", "sql:"+testenv.NSSDB(t, caPEM), file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Fatalf("pdfsig lacks %q:\n%s", w, out)
		}
	}
	return string(out)
}

// downloaded lists the names in the downloads folder.
func downloaded(dir string) []string {
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A card with only the CNS authentication certificate: the Firma page says, before any PIN, that the
// result is not a qualified signature and why; "Annulla" writes nothing; "FIRMA COMUNQUE" leads to the
// PIN and a signed PDF that pdfsig finds valid and whole, and the page's own verification says it is
// not a qualified signature (issue 6).
func TestSignCNSOnlyInBrowser(t *testing.T) {
	testenv.Tool(t, "pdfsig")
	bed := startBed(t, testbed.Options{NoPCSC: true, CNSOnly: true})
	ctx, downloads := signPage(t, bed)
	inputs := t.TempDir()
	pdf := filepath.Join(inputs, "domanda.pdf")
	orig, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pdf, orig, 0o644)

	chooseFile(t, ctx, pdf, "", "#sign-accept")
	got := text(t, ctx, "#sign")
	for _, want := range []string{"Prima di firmare, leggi", "solo il certificato di autenticazione CNS",
		"NON è una firma digitale qualificata", "serve ad accedere ai servizi online, non a firmare", "FIRMA COMUNQUE", "PDF firmato (PAdES)"} {
		if !strings.Contains(got, want) {
			t.Fatalf("warning screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Certificato di firma qualificata") {
		t.Fatalf("the CNS certificate is called qualified:\n%s", got)
	}
	noPINField(t, ctx)
	shot(t, ctx, "sign-warn-cns-only")
	// The same screen in English.
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(`button[data-lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #sign-warn-title`)),
	)
	if got := text(t, ctx, "#sign"); !strings.Contains(got, "The card only holds the CNS authentication certificate") ||
		!strings.Contains(got, "The result is NOT a qualified digital signature") || !strings.Contains(got, "SIGN ANYWAY") {
		t.Fatalf("English warning screen:\n%s", got)
	}
	shot(t, ctx, "sign-warn-cns-only-en")
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(`button[data-lang="it"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="it"] #sign-warn-title`)),
	)

	// Cancel: back to the file choice, nothing downloaded.
	cancelWarning(t, ctx)

	// Accept: the PIN, one signature (the CNS key has no context-specific PIN).
	chooseFile(t, ctx, pdf, "", "#sign-accept")
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#sign-accept")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
		chromedp.WaitVisible(chromedp.CSS("#sign-accepted")),
	)
	shot(t, ctx, "sign-warn-accepted")
	within(t, ctx, 90*time.Second, typePINs(false)...)
	signed := filepath.Join(downloads, "domanda-firmato.pdf")
	waitFile(t, signed)
	if names := downloaded(downloads); len(names) != 1 {
		t.Fatalf("downloads: %v (the cancelled attempt must write nothing)", names)
	}
	out := pdfsigSays(t, filepath.Join(bed.Dir, "ca", "ca.pem"), signed, "  - Signature Validation: Signature is Valid.\n", "  - Total document signed\n")
	t.Logf("pdfsig:\n%s", out)

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{signed}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS("#verify-result")),
	)
	res := text(t, ctx, "#verify-result")
	for _, want := range []string{"Tipo di firma", "NON è una firma qualificata: è stata fatta con il certificato di autenticazione CNS", "tutto il documento"} {
		if !strings.Contains(res, want) {
			t.Fatalf("verification lacks %q:\n%s", want, res)
		}
	}
	shot(t, ctx, "verify-not-qualified")
}

// A signature key of RSA 1024 bits: the warning is shown before the PIN; "Annulla" writes nothing;
// "FIRMA COMUNQUE" signs a .p7m (with the key's context-specific PIN) that openssl accepts.
func TestSignWeakKeyInBrowser(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bed := startBed(t, testbed.Options{NoPCSC: true, SignKeyBits: 1024})
	ctx, downloads := signPage(t, bed)
	txt := filepath.Join(t.TempDir(), "lettera.txt")
	os.WriteFile(txt, []byte("Al Comune di Roma.\n"), 0o644)

	chooseFile(t, ctx, txt, "", "#sign-accept")
	got := text(t, ctx, "#sign")
	for _, want := range []string{"La chiave del certificato è RSA a 1024 bit, sotto i 2048 bit", "ROSSI MARIO — Firma qualificata", "RSA 1024 bit"} {
		if !strings.Contains(got, want) {
			t.Fatalf("warning screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "la firma ha valore legale") {
		t.Fatalf("a weak key is promised legal value:\n%s", got)
	}
	noPINField(t, ctx)
	shot(t, ctx, "sign-warn-weak-key")
	cancelWarning(t, ctx)

	chooseFile(t, ctx, txt, "", "#sign-accept")
	within(t, ctx, 90*time.Second, append([]chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#sign-accept"))}, typePINs(true)...)...)
	p7m := filepath.Join(downloads, "lettera.txt.p7m")
	waitFile(t, p7m)
	if names := downloaded(downloads); len(names) != 1 {
		t.Fatalf("downloads: %v (the cancelled attempt must write nothing)", names)
	}
	if out, err := exec.Command(openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7m,
		"-CAfile", filepath.Join(bed.Dir, "ca", "ca.pem"), "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
}
