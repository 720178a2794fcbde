package e2e

import (
	"bytes"
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

// The Firma page signs a corpus PDF (visible, time-stamped by ponte-ca) and a text file as .p7m with the
// virtual card — PIN typed, then the signature key's context-specific PIN — and the downloads are
// accepted by pdfsig (NSS trusting the bed's CA) and openssl cms; a non-PDF named .pdf is refused with
// the engine's message and nothing is downloaded; "Verifica" reports the signed PDF valid and its report
// downloads (issue 6).
func TestSignInBrowser(t *testing.T) {
	build := built(t)
	testenv.Tool(t, "pdfsig")
	openssl := testenv.Tool(t, "openssl")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ext := extensionWithProfiles(t, build, bed)
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	caPEM := filepath.Join(bed.Dir, "ca", "ca.pem")
	downloads := t.TempDir()
	inputs := t.TempDir()

	// The app page links to the Firma page.
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(pbrowser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`#nav-sign[href="sign.html"]`)),
		chromedp.Navigate(pbrowser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-tsa`)),
	)
	allowDownloads(t, ctx, downloads)
	shot(t, ctx, "sign-choose")

	// A PDF: visible signature, time stamp from the CA profile's TSA.
	pdf := filepath.Join(inputs, "libreoffice.pdf")
	orig, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pdf, orig, 0o644)
	within(t, ctx, 60*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{pdf}),
		chromedp.Click(chromedp.CSS("#sign-visible")),
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
	)
	if got := text(t, ctx, "#sign"); !strings.Contains(got, "ROSSI MARIO") || !strings.Contains(got, "firma qualificata") {
		t.Fatalf("confirm screen: %q", got)
	}
	shot(t, ctx, "sign-confirm-pdf")
	within(t, ctx, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS("#sign-pin"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin2")),
	)
	shot(t, ctx, "sign-context-pin")
	within(t, ctx, 90*time.Second,
		chromedp.SendKeys(chromedp.CSS("#sign-pin2"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm2")),
		chromedp.WaitVisible(chromedp.CSS("#sign-done")),
	)
	shot(t, ctx, "sign-done-pdf")
	signedPDF := filepath.Join(downloads, "libreoffice-firmato.pdf")
	got := waitFile(t, signedPDF)
	if !bytes.HasPrefix(got, orig) || len(got) <= len(orig) {
		t.Fatal("the downloaded PDF is not the original followed by the update")
	}
	pdfsigSays(t, caPEM, signedPDF, "Signature #1:", "  - Signature Validation: Signature is Valid.\n", "  - Certificate Validation: Certificate is Trusted.\n",
		"  - Signature Type: ETSI.CAdES.detached\n", "  - Total document signed\n")

	// Any file: a .p7m.
	txt := filepath.Join(inputs, "lettera.txt")
	content := []byte("Al Comune di Roma: richiesta di certificato.\n")
	os.WriteFile(txt, content, 0o644)
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`#sign button[data-action="sign-reset"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sign-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{txt}),
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin2")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin2"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm2")),
		chromedp.WaitVisible(chromedp.CSS("#sign-done")),
	)
	shot(t, ctx, "sign-done-p7m")
	p7m := filepath.Join(downloads, "lettera.txt.p7m")
	waitFile(t, p7m)
	extracted := filepath.Join(inputs, "extracted.txt")
	if out, err := exec.Command(openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7m, "-CAfile", caPEM, "-out", extracted).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(extracted); !bytes.Equal(b, content) {
		t.Fatalf("openssl extracted %q", b)
	}
	// Verifica gives the letter back from the .p7m, with no doubt about it (the signature is valid).
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{p7m}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result article[data-valid="true"]`)),
		chromedp.Click(chromedp.CSS("#verify-content")),
		chromedp.WaitVisible(chromedp.CSS("#verify-content-saved")),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll("#verify-content-doubt").length`); n != 0 {
		t.Error("a doubt about the content of a valid .p7m")
	}
	if b := waitFile(t, filepath.Join(downloads, "lettera.txt")); !bytes.Equal(b, content) {
		t.Fatalf("the page saved %q from the .p7m", b)
	}

	// Bad input: a PNG named .pdf is refused with the engine's message; nothing is downloaded.
	fake := filepath.Join(inputs, "fattura.pdf")
	os.WriteFile(fake, []byte("\x89PNG\r\n\x1a\nnot a pdf at all"), 0o644)
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`#sign button[data-action="sign-reset"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sign-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{fake}),
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-error")),
	)
	if got := text(t, ctx, "#sign-error"); !strings.Contains(got, "non è un PDF") {
		t.Fatalf("bad input message %q", got)
	}
	shot(t, ctx, "sign-bad-input")

	// Verifica: the signed PDF is valid against the profile's anchors; the report downloads.
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{signedPDF}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS("#verify-result")),
	)
	res := text(t, ctx, "#verify-result")
	for _, want := range []string{"TOTAL-PASSED", "tutto il documento", "marca temporale verificata", "attendibile", "non revocato (risposta OCSP"} {
		if !strings.Contains(res, want) {
			t.Fatalf("verification lacks %q:\n%s", want, res)
		}
	}
	shot(t, ctx, "verify-result")
	within(t, ctx, 20*time.Second, chromedp.Click(chromedp.CSS("#verify-report")))
	report := string(waitFile(t, filepath.Join(downloads, "libreoffice-firmato.pdf.verifica.txt")))
	if !strings.Contains(report, "Rapporto di verifica Ponte") || !strings.Contains(report, "Esito del documento: VALIDA") {
		t.Fatalf("report:\n%s", report)
	}
	entries, _ := os.ReadDir(downloads)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "fattura") {
			t.Fatalf("a file was downloaded for the refused input: %s", e.Name())
		}
	}
}
