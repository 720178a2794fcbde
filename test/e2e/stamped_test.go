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
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/tsfile"
	"github.com/ponte-it/ponte/internal/tsp"
)

// stampFile time-stamps in with the bed's TSA (ponte-ca's /tsa) into out, the form from out's extension.
func stampFile(t *testing.T, bed *testbed.Bed, in, out string) {
	src, err := docio.OpenFile(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	parts, err := tsfile.Create(context.Background(), src, in, tsfile.KindOfName(out), &tsp.Client{URL: bed.CAURL + "/tsa"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := docio.WriteParts(&b, src, parts); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, b.Bytes(), 0o644)
}

// TestVerifyStampedFilesInBrowser: the Verifica page takes an .m7m (an openssl .p7m by a signer outside
// the anchors, time-stamped by the bed's TSA), a .tsd and a .tsr with its file: the file's time stamp is
// shown as its own box, valid (the TSA chains to the CA profile's root); the .m7m's signature is not
// valid (untrusted signer) and its document is saved byte for byte; the .tsd's document too; the .tsr
// checked against another file is NON VALIDA with "non corrisponde". Screenshots verify-m7m.png,
// verify-tsd.png, verify-tsr.png, verify-tsr-other.png.
func TestVerifyStampedFilesInBrowser(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ctx, downloads := signPage(t, bed)
	in := t.TempDir()
	doc := []byte("%PDF-1.4 atto marcato\n" + strings.Repeat("contenuto ", 3000))
	docPath := filepath.Join(in, "atto.pdf")
	os.WriteFile(docPath, doc, 0o644)
	key, crt := filepath.Join(in, "verdi.key"), filepath.Join(in, "verdi.pem")
	signtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
		"-subj", "/CN=VERDI ANNA", "-days", "2", "-addext", "keyUsage=critical,nonRepudiation")
	p7m := filepath.Join(in, "atto.pdf.p7m")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER",
		"-in", docPath, "-signer", crt, "-inkey", key, "-out", p7m)
	m7m, tsd, tsr := filepath.Join(in, "atto.pdf.m7m"), filepath.Join(in, "atto.pdf.tsd"), filepath.Join(in, "atto.pdf.tsr")
	stampFile(t, bed, p7m, m7m)
	stampFile(t, bed, docPath, tsd)
	stampFile(t, bed, docPath, tsr)
	stamp := `#verify-result article[data-valid="true"]`

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{m7m}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="2"] article[data-valid="false"]`)),
		chromedp.WaitVisible(chromedp.CSS(stamp)),
	)
	res := text(t, ctx, "#verify-result")
	for _, want := range []string{"(m7m)", "VERDI ANNA", "Marca temporale del file", "la busta firmata .p7m", "corrisponde al file marcato"} {
		if !strings.Contains(res, want) {
			t.Fatalf(".m7m: no %q in:\n%s", want, res)
		}
	}
	if got := text(t, ctx, "#verify-content"); !strings.Contains(got, "SALVA IL DOCUMENTO: atto.pdf") {
		t.Fatalf(".m7m save button %q", got)
	}
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#verify-content")), chromedp.WaitVisible(chromedp.CSS("#verify-content-saved")))
	shot(t, ctx, "verify-m7m")
	if got := waitFile(t, filepath.Join(downloads, "atto.pdf")); !bytes.Equal(got, doc) {
		t.Fatalf(".m7m: the saved document (%d bytes) is not the signed one", len(got))
	}
	os.Remove(filepath.Join(downloads, "atto.pdf"))

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{tsd}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] `+stamp[len("#verify-result "):])),
		chromedp.Click(chromedp.CSS("#verify-content")),
		chromedp.WaitVisible(chromedp.CSS("#verify-content-saved")),
	)
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "(tsd)") || !strings.Contains(res, "il documento contenuto nel file .tsd") {
		t.Fatalf(".tsd:\n%s", res)
	}
	shot(t, ctx, "verify-tsd")
	if got := waitFile(t, filepath.Join(downloads, "atto.pdf")); !bytes.Equal(got, doc) {
		t.Fatalf(".tsd: the saved document (%d bytes) is not the stamped one", len(got))
	}

	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{tsr}),
		chromedp.SetUploadFiles(chromedp.CSS("#verify-detached"), []string{docPath}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] `+stamp[len("#verify-result "):])),
	)
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "(tsr)") || !strings.Contains(res, "il file indicato a parte") {
		t.Fatalf(".tsr:\n%s", res)
	}
	shot(t, ctx, "verify-tsr")
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{tsr}),
		chromedp.SetUploadFiles(chromedp.CSS("#verify-detached"), []string{crt}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] article[data-valid="false"]`)),
	)
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "NON corrisponde") || !strings.Contains(res, "NON VALIDA") {
		t.Fatalf(".tsr against another file:\n%s", res)
	}
	shot(t, ctx, "verify-tsr-other")
}
