package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	pbrowser "github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/tsltest"
)

// The Firma page's "Verifica" trusts the trusted list named by the extension's tsl.json — here a local
// list signed by a test key, served on 127.0.0.1 and downloaded through fetch — and shows which source
// validated the chain: a PDF whose CA is a granted CA/QC on the list is "qualificato (elenco AgID)"; one
// whose CA is not there is "non qualificato" (issue 6).
func TestVerifyTrustedListInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ext := extensionWithProfiles(t, build, bed)
	onList, offList := signtest.NewPKI(t), signtest.NewPKI(t)

	signer, err := tsltest.NewSigner("Ponte e2e TSL signer", true)
	if err != nil {
		t.Fatal(err)
	}
	list, err := signer.Sign(tsltest.List{Territory: "IT", Sequence: 3, Issued: time.Now().Add(-time.Hour), NextUpdate: time.Now().AddDate(0, 6, 0),
		Providers: []tsltest.Provider{{Name: "Prova Firma S.p.A.", Services: []tsltest.Service{
			tsltest.Granted("Prova CA qualificata", time.Now().AddDate(-1, 0, 0), onList.Intermediate.Cert())}}}}.XML())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Access-Control-Allow-Origin", "*") // the extension page's fetch
		rw.Header().Set("Content-Type", "application/xml")
		rw.Write(list)
	}))
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"url": srv.URL + "/TSL-IT.xml", "signers": []string{string(signer.CertPEM())}})
	if err := os.WriteFile(filepath.Join(ext, "tsl.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}

	orig, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	signed := func(name string, pki *signtest.PKI) string {
		res, err := pades.Sign(context.Background(), docio.Bytes(orig), pki.Signer.Key, pades.Options{Chain: pki.Signer.Chain})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := docio.WriteParts(&b, docio.Bytes(orig), res.Parts); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	qualified, other := signed("qualificato.pdf", onList), signed("altro.pdf", offList)

	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	ready := chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-tsa`)) // rendered with the profiles
	within(t, ctx, 90*time.Second, chromedp.Navigate(pbrowser.ExtensionURL("sign.html")), ready)
	verify := func(file string) (string, string) {
		t.Helper()
		within(t, ctx, 90*time.Second,
			chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{file}),
			chromedp.Click(chromedp.CSS("#verify-go")),
			chromedp.WaitVisible(chromedp.CSS(`#verify-result`)),
			chromedp.WaitVisible(chromedp.CSS(`#verify-tsl`)),
		)
		return text(t, ctx, "#verify-result"), text(t, ctx, "#verify-tsl")
	}
	res, listLine := verify(qualified)
	// The list's test CA publishes no OCSP or CRL: the chain is trusted through the list, and the verdict
	// waits for a revocation status it cannot get (EN 319 102-1 §5.2.5, INDETERMINATE / TRY_LATER).
	for _, want := range []string{"attendibile (catena verificata)", "INDETERMINATE / TRY_LATER", "Fonte di fiducia", "qualificato (elenco AgID)", "CA qualificata sull'elenco AgID: Prova CA qualificata (Prova Firma S.p.A.)"} {
		if !strings.Contains(res, want) {
			t.Fatalf("qualified PDF: lacks %q:\n%s", want, res)
		}
	}
	if !strings.Contains(listLine, "Elenco di fiducia: AgID n. 3 del ") {
		t.Fatalf("list line %q", listLine)
	}
	shot(t, ctx, "verify-tsl-qualified")

	within(t, ctx, 90*time.Second, chromedp.Navigate(pbrowser.ExtensionURL("sign.html")), ready)
	res, _ = verify(other)
	if !strings.Contains(res, "non qualificato") || strings.Contains(res, "TOTAL-PASSED") || !strings.Contains(res, "non riconosciuto") {
		t.Fatalf("PDF whose CA is not on the list:\n%s", res)
	}
	shot(t, ctx, "verify-tsl-not-qualified")
}
