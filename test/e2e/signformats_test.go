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

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The Firma page makes a detached .p7s, and adds a parallel signature to a .p7m made by someone else
// (openssl, another signer): the downloads are checked by `openssl cms -verify -cades` — the .p7s with
// its file, the .p7m with both signers valid and the content unchanged, two SignerInfos, the first byte
// for byte. A ".p7m" that is not CMS and a .p7s without its document are refused with a clear message
// and nothing is downloaded (issue 6).
func TestSignFormatsInBrowser(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ctx, downloads := signPage(t, bed)
	caPEM := filepath.Join(bed.Dir, "ca", "ca.pem")
	inputs := t.TempDir()
	content := []byte("Contratto di locazione tra le parti.\n")
	txt := filepath.Join(inputs, "contratto.txt")
	os.WriteFile(txt, content, 0o644)
	again := func() {
		within(t, ctx, 30*time.Second,
			chromedp.Click(chromedp.CSS(`#sign button[data-action="sign-reset"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"]`)),
		)
	}

	// A detached .p7s, chosen explicitly.
	chooseFile(t, ctx, txt, "p7s", "#sign-pin")
	if got := text(t, ctx, "#sign-format"); !strings.Contains(got, "Firma separata .p7s") {
		t.Fatalf("format line %q", got)
	}
	shot(t, ctx, "sign-confirm-p7s")
	within(t, ctx, 90*time.Second, typePINs(true)...)
	p7s := filepath.Join(downloads, "contratto.txt.p7s")
	sig := waitFile(t, p7s)
	if bytes.Contains(sig, content) {
		t.Fatal("the detached .p7s contains the document")
	}
	if out, err := exec.Command(openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7s, "-content", txt,
		"-CAfile", caPEM, "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify (p7s): %v\n%s", err, out)
	}
	// The page verifies it with its document.
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{p7s}),
		chromedp.SetUploadFiles(chromedp.CSS("#verify-detached"), []string{txt}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="1"] article[data-valid="true"]`)),
	)

	// A .p7m signed by someone else with openssl (BIANCHI, own self-signed certificate): the page adds
	// ROSSI's signature next to it.
	other := t.TempDir()
	key, crt := filepath.Join(other, "bianchi.key"), filepath.Join(other, "bianchi.pem")
	signtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-subj", "/CN=BIANCHI LUCIA", "-days", "2",
		"-addext", "keyUsage=critical,nonRepudiation")
	foreign := filepath.Join(inputs, "contratto.txt.p7m")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER", "-in", txt, "-signer", crt, "-inkey", key, "-out", foreign)
	before, _ := os.ReadFile(foreign)
	again()
	chooseFile(t, ctx, foreign, "", "#sign-pin")
	if got := text(t, ctx, "#sign-format"); !strings.Contains(got, "Aggiungi firma") {
		t.Fatalf("format line %q", got)
	}
	shot(t, ctx, "sign-confirm-parallel")
	within(t, ctx, 90*time.Second, typePINs(true)...)
	shot(t, ctx, "sign-done-parallel")
	both := filepath.Join(downloads, "contratto.txt.p7m")
	waitFile(t, both)
	bundle := filepath.Join(other, "anchors.pem")
	ca, _ := os.ReadFile(caPEM)
	b, _ := os.ReadFile(crt)
	os.WriteFile(bundle, append(append(ca, '\n'), b...), 0o644)
	extracted := filepath.Join(other, "extracted.txt")
	out, err := exec.Command(openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", both, "-CAfile", bundle, "-purpose", "any", "-out", extracted).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -verify (parallel): %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(extracted); !bytes.Equal(got, content) {
		t.Fatalf("content after the parallel signature: %q", got)
	}
	// Each signer alone is valid too: openssl checks every SignerInfo, and our parser sees two, the
	// first exactly as openssl wrote it.
	sdBefore, err := cms.Parse(before)
	if err != nil {
		t.Fatal(err)
	}
	src, err := docio.OpenFile(both)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sd, err := cms.ParseSource(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Signers) != 2 || !bytes.Equal(sd.Signers[0].Raw, sdBefore.Signers[0].Raw) {
		t.Fatalf("%d SignerInfos; first unchanged: %v", len(sd.Signers), len(sd.Signers) > 0 && bytes.Equal(sd.Signers[0].Raw, sdBefore.Signers[0].Raw))
	}
	printed := signtest.Run(t, openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", both)
	if n := strings.Count(printed, "signatureAlgorithm:"); n != 2 {
		t.Fatalf("openssl -cmsout -print shows %d signerInfos", n)
	}
	within(t, ctx, 90*time.Second,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{both}),
		chromedp.Click(chromedp.CSS("#verify-go")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-signatures="2"]`)),
	)
	// Both intact; ROSSI's chain is trusted (the bed's CA), BIANCHI's self-signed one is not.
	if res := text(t, ctx, "#verify-result"); !strings.Contains(res, "BIANCHI LUCIA") || !strings.Contains(res, "ROSSI MARIO") ||
		strings.Count(res, "il contenuto firmato non è stato modificato e la firma è corretta") != 2 || strings.Count(res, "TOTAL-PASSED") != 1 {
		t.Fatalf("verification of the parallel .p7m:\n%s", res)
	}
	shot(t, ctx, "verify-parallel")

	// Bad input: a ".p7m" that is not CMS, and a detached .p7s given alone.
	notCMS := filepath.Join(inputs, "finto.txt.p7m")
	os.WriteFile(notCMS, []byte("questo non è un file firmato\n"), 0o644)
	alone := filepath.Join(inputs, "solo.txt.p7s")
	os.WriteFile(alone, sig, 0o644)
	for _, c := range []struct{ file, want string }{
		{notCMS, "non è una busta di firma CMS/PKCS#7 valida"},
		{alone, "è una firma separata (.p7s) e non contiene il documento firmato"},
	} {
		again()
		chooseFile(t, ctx, c.file, "", "#sign-error")
		got := text(t, ctx, "#sign")
		if !strings.Contains(got, c.want) || !strings.Contains(got, "Non è stato scritto nessun file") {
			t.Fatalf("%s: %s", filepath.Base(c.file), got)
		}
		shot(t, ctx, "sign-bad-"+strings.TrimPrefix(filepath.Ext(c.file), "."))
	}
	if names := downloaded(downloads); len(names) != 2 {
		t.Fatalf("downloads %v: want only the .p7s and the parallel .p7m", names)
	}
}
