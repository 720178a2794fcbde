package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Verifica on a .p7m offers the document inside it under its own name (atto.pdf.p7m → atto.pdf), and
// the download is that document byte for byte — here from an envelope openssl streamed as BER in
// indefinite-length chunks, so the document lies in many pieces of the file. The signer is not among
// the anchors, so the page says before the button that the document may not be the one signed (issue 6:
// verification; Italian practice sends documents as .p7m). An invoice's .p7m sent as base64 text is
// decoded, verified and given back too.
func TestSaveP7MContentInBrowser(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ctx, downloads := signPage(t, bed)
	inputs := t.TempDir()
	doc := make([]byte, 2<<20+777)
	rand.Read(doc)
	docPath := filepath.Join(inputs, "atto.pdf")
	os.WriteFile(docPath, doc, 0o644)
	key, crt := filepath.Join(inputs, "verdi.key"), filepath.Join(inputs, "verdi.pem")
	signtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
		"-subj", "/CN=VERDI ANNA", "-days", "2", "-addext", "keyUsage=critical,nonRepudiation")
	p7m := filepath.Join(inputs, "atto.pdf.p7m")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-stream", "-md", "sha256", "-outform", "DER",
		"-in", docPath, "-signer", crt, "-inkey", key, "-out", p7m)

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{p7m}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] article[data-valid="false"]`)),
		chromedp.WaitVisible(chromedp.CSS("#verify-content-doubt")),
	)
	if got := text(t, ctx, "#verify-content"); !strings.Contains(got, "SALVA IL DOCUMENTO: atto.pdf") {
		t.Fatalf("save button %q", got)
	}
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "VERDI ANNA") || !strings.Contains(res, "il contenuto firmato non è stato modificato") {
		t.Fatalf("verification:\n%s", res)
	}
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#verify-content")),
		chromedp.WaitVisible(chromedp.CSS("#verify-content-saved")),
	)
	shot(t, ctx, "verify-p7m-content")
	if got := waitFile(t, filepath.Join(downloads, "atto.pdf")); !bytes.Equal(got, doc) {
		t.Fatalf("the saved document (%d bytes) is not the signed one (%d bytes)", len(got), len(doc))
	}

	// An invoice whose .p7m came as base64 text: decoded, verified, and its XML given back.
	xml := []byte("<?xml version=\"1.0\"?><p:FatturaElettronica versione=\"FPR12\"/>\n")
	xmlPath := filepath.Join(inputs, "IT01234567890_00001.xml")
	os.WriteFile(xmlPath, xml, 0o644)
	derP7M := filepath.Join(inputs, "fattura.der")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER",
		"-in", xmlPath, "-signer", crt, "-inkey", key, "-out", derP7M)
	b64 := filepath.Join(inputs, "IT01234567890_00001.xml.p7m")
	signtest.Run(t, openssl, "base64", "-in", derP7M, "-out", b64)
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{b64}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"]`)),
	)
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "p7m, base64") || !strings.Contains(res, "il contenuto firmato non è stato modificato") {
		t.Fatalf("base64 .p7m:\n%s", res)
	}
	within(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS("#verify-content")),
		chromedp.WaitVisible(chromedp.CSS("#verify-content-saved")),
	)
	if got := waitFile(t, filepath.Join(downloads, "IT01234567890_00001.xml")); !bytes.Equal(got, xml) {
		t.Fatalf("saved from the base64 .p7m: %q", got)
	}
	shot(t, ctx, "verify-p7m-base64")

	// A PDF has no envelope to open: no button.
	pdf := filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf")
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{pdf}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="0"]`)),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll("#verify-content").length`); n != 0 {
		t.Fatal("a save button for a PDF")
	}
}
