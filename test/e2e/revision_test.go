package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Verifica on a PDF that MuPDF changed after it was signed (a white box over the page and a new amount,
// saved incrementally) shows the signature in red with "MODIFICATO dopo questa firma", not valid, and
// SALVA LA VERSIONE FIRMATA downloads exactly the bytes the signature signs: the file as it was before
// the change (issue 13, docs/signing.md "Changes after signing").
func TestModifiedPDFInBrowser(t *testing.T) {
	mutool := testenv.Tool(t, "mutool")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ctx, downloads := signPage(t, bed)
	dir := t.TempDir()
	pki := signtest.NewPKI(t)
	base, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "ghostscript.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pades.Sign(context.Background(), docio.Bytes(base), pki.Signer.Key, pades.Options{Chain: pki.Signer.Chain})
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	docio.WriteParts(&signed, docio.Bytes(base), res.Parts)
	signedPath, modified := filepath.Join(dir, "firmato.pdf"), filepath.Join(dir, "contratto.pdf")
	os.WriteFile(signedPath, signed.Bytes(), 0o644)
	js := filepath.Join(dir, "whiteout.js")
	os.WriteFile(js, []byte(`var doc = new PDFDocument(scriptArgs[0]); var p = doc.loadPage(0);
var a = p.createAnnotation("Square"); a.setRect([0, 0, 612, 842]); a.setInteriorColor([1, 1, 1]); a.setColor([1, 1, 1]); a.update();
var f = p.createAnnotation("FreeText"); f.setRect([72, 600, 500, 640]); f.setContents("IMPORTO: 1.000.000 EUR"); f.update();
doc.save(scriptArgs[1], "incremental");`), 0o644)
	signtest.Run(t, mutool, "run", js, signedPath, modified)
	changed, _ := os.ReadFile(modified)
	if !bytes.HasPrefix(changed, signed.Bytes()) || len(changed) == signed.Len() {
		t.Fatal("mutool did not save incrementally")
	}

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{modified}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] article.signature.invalid.modified[data-valid="false"]`)),
		chromedp.WaitVisible(chromedp.CSS("#verify-modified-1")),
	)
	if got := text(t, ctx, "#verify-modified-1"); !strings.Contains(got, "MODIFICATO dopo questa firma") {
		t.Fatalf("modified line %q", got)
	}
	res1 := text(t, ctx, "#verify-result")
	if strings.Contains(res1, "FIRMA VALIDA") || !strings.Contains(res1, "annotazione /Square aggiunta alla pagina 1") {
		t.Fatalf("verification:\n%s", res1)
	}
	color := eval[string](t, ctx, `getComputedStyle(document.querySelector("#verify-modified-1")).color`)
	if color != "rgb(176, 0, 32)" {
		t.Fatalf("the modified line is %s, not red", color)
	}
	if got := text(t, ctx, "#verify-revision-1"); got != "SALVA LA VERSIONE FIRMATA" {
		t.Fatalf("revision button %q", got)
	}
	shot(t, ctx, "verify-pdf-modified")
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#verify-revision-1")))
	got := waitFile(t, filepath.Join(downloads, "contratto-firma-1.pdf"))
	if !bytes.Equal(got, signed.Bytes()) || !bytes.Equal(got, changed[:res.ByteRange[2]+res.ByteRange[3]]) {
		t.Fatalf("the saved revision (%d bytes) is not the signed file (%d bytes)", len(got), signed.Len())
	}
}
