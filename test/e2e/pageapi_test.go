package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// tlsSite serves handler over TLS on loopback with a fresh certificate for hosts; it returns the address
// and the base64 SHA-256 of the certificate's public key, which the test profile alone is told to accept
// (--ignore-certificate-errors-spki-list). Chromium reaches the real host names through
// --host-resolver-rules.
func tlsSite(t *testing.T, handler http.Handler, hosts ...string) (addr, spki string) {
	t.Helper()
	id := pki.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	cert := id.Cert()
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: id.Key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), base64.StdEncoding.EncodeToString(sum[:])
}

const (
	allowedSite  = "firma.example.it"    // added to the allow-list through the options page
	refusedSite  = "altro.example.it"    // https, never added
	insecureSite = "insecure.example.it" // plain http on a name that is not this computer
)

// pageAPISites serves the demo page (examples/page-api) at https://firma.example.it,
// https://altro.example.it and http://insecure.example.it, all on loopback, and returns the browser
// flags that resolve those names there.
func pageAPISites(t *testing.T) []string {
	t.Helper()
	demo := http.FileServer(http.Dir(filepath.Join(testenv.Root(), "examples", "page-api")))
	tlsAddr, spki := tlsSite(t, demo, allowedSite, refusedSite)
	plain := httptest.NewServer(demo)
	t.Cleanup(plain.Close)
	plainAddr := strings.TrimPrefix(plain.URL, "http://")
	if _, _, err := net.SplitHostPort(plainAddr); err != nil {
		t.Fatal(err)
	}
	return []string{
		"--host-resolver-rules=MAP " + allowedSite + " " + tlsAddr + ",MAP " + refusedSite + " " + tlsAddr + ",MAP " + insecureSite + " " + plainAddr,
		"--ignore-certificate-errors-spki-list=" + spki,
	}
}

// allowOrigin adds what the user types to the allow-list through the options page and waits for the
// normalised origin in the list.
func allowOrigin(t *testing.T, ctx context.Context, typed, origin string) {
	t.Helper()
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("options.html")),
		chromedp.WaitVisible(chromedp.CSS(`#options[data-loaded="true"] #origin-input`)),
	)
	eval[string](t, ctx, `document.getElementById("origin-input").value = ""`)
	within(t, ctx, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS("#origin-input"), typed),
		chromedp.Click(chromedp.CSS("#origin-add")),
		chromedp.WaitVisible(chromedp.CSS(`li.origin[data-origin="`+origin+`"]`)),
	)
}

// demoAnswer clicks a button of the demo page and waits for its <pre> to show a result or an error.
func demoAnswer(t *testing.T, ctx context.Context, button, out string) (state, code, body string) {
	t.Helper()
	within(t, ctx, 120*time.Second,
		chromedp.Click(chromedp.CSS("#"+button)),
		chromedp.WaitVisible(chromedp.CSS(`#`+out+`[data-state="done"], #`+out+`[data-state="error"]`)),
	)
	state = eval[string](t, ctx, `document.getElementById("`+out+`").dataset.state`)
	code = eval[string](t, ctx, `document.getElementById("`+out+`").dataset.code || ""`)
	return state, code, text(t, ctx, "#"+out)
}

func wantCode(t *testing.T, ctx context.Context, button, out, want string) string {
	t.Helper()
	state, code, body := demoAnswer(t, ctx, button, out)
	if state != "error" || code != want {
		t.Fatalf("%s: %s %s, want error %s:\n%s", button, state, code, want, body)
	}
	return body
}

// wrongPIN is a PIN of the same length that is not pin.
func wrongPIN(pin string) string {
	b := []byte(pin)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// confirmClosing clicks a button of the consent window that ends in the window closing, which DevTools
// may report as the click's error.
func confirmClosing(t *testing.T, consent context.Context, sel string) {
	t.Helper()
	cctx, cancel := context.WithTimeout(consent, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(cctx, chromedp.Click(chromedp.CSS(sel))); err != nil && !strings.Contains(err.Error(), "detached") && !strings.Contains(err.Error(), "closed") {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// consentTargets counts the open consent windows.
func consentTargets(t *testing.T, ctx context.Context) int {
	t.Helper()
	return len(targetsOf(t, ctx, "page", "/consent.html"))
}

// waitNoConsent waits (10 s at most) until no consent window is open.
func waitNoConsent(t *testing.T, ctx context.Context) {
	t.Helper()
	eventually(t, 10*time.Second, "the consent window closes", func() (bool, string) {
		n := consentTargets(t, ctx)
		return n == 0, fmt.Sprintf("%d consent windows open", n)
	})
}

// The page API end to end (issue 7): the site is added through the options page; from it the demo page
// reads the status and the certificate, asks for a signature, the user sees the origin in Ponte's window
// and types the PIN (and the signature key's context-specific PIN), and the signature verifies against
// the returned certificate; cancelling in the window gives USER_CANCELLED, a wrong PIN WRONG_PIN (the
// window stays to say so); a site not on the list gets
// ORIGIN_NOT_ALLOWED and no window; an http:// page gets INSECURE_CONTEXT.
func TestPageAPIInBrowser(t *testing.T) {
	_, ctx := bedBrowser(t, pageAPISites(t)...)
	origin := "https://" + allowedSite

	// The allow-list, through the options page: an insecure origin is refused with the reason, a typed
	// address is normalised to its origin.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("options.html")),
		chromedp.WaitVisible(chromedp.CSS(`#options[data-loaded="true"] #origins-none`)),
		chromedp.SendKeys(chromedp.CSS("#origin-input"), "http://"+allowedSite),
		chromedp.Click(chromedp.CSS("#origin-add")),
		chromedp.WaitVisible(chromedp.CSS(`#options-error[data-key="optionsOriginInsecure"]`)),
	)
	shot(t, ctx, "pageapi-options-insecure")
	allowOrigin(t, ctx, "HTTPS://Firma.Example.IT:443/servizi/firma?x=1", origin)
	if got := text(t, ctx, "#options-notice"); !strings.Contains(got, origin) {
		t.Errorf("notice %q", got)
	}
	shot(t, ctx, "pageapi-options")

	// Status and certificate from the allowed site.
	within(t, ctx, 30*time.Second, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-status")))
	state, code, body := demoAnswer(t, ctx, "do-status", "status-out")
	if state != "done" {
		t.Fatalf("status: %s %s\n%s", state, code, body)
	}
	var st struct {
		Readers int
		Cards   []struct {
			ID           string
			Family       string
			Certificates []struct{ Role, NotAfter string }
		}
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("status %q: %v", body, err)
	}
	// The card can show up as the PC/SC card with its token or, before pcscd has it, as the bare token.
	if st.Readers < 1 || len(st.Cards) != 1 || st.Cards[0].ID == "" || len(st.Cards[0].Certificates) != 2 {
		t.Fatalf("status: %+v", st)
	}
	if strings.Contains(body, "ROSSI") || strings.Contains(body, "RSSMRA") {
		t.Errorf("status carries personal data:\n%s", body)
	}
	// The certificate names the holder: Ponte's window asks first (who asks, which data), the confirm
	// button arms after a moment; with "ricorda" the next request is answered without a window.
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-cert")))
	consent := attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"] #consent-cert-data`)))
	if got := text(t, consent, "#consent-origin"); got != origin {
		t.Fatalf("certificate consent shows origin %q", got)
	}
	if got := text(t, consent, "#consent-cert-data"); !strings.Contains(got, "codice fiscale") {
		t.Errorf("the window does not say which data: %q", got)
	}
	if eval[bool](t, consent, `!!document.getElementById("consent-pin")`) {
		t.Error("the certificate's consent asks for a PIN")
	}
	shot(t, consent, "pageapi-consent-certificate")
	within(t, consent, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)),
		chromedp.Click(chromedp.CSS("#consent-remember")),
	)
	confirmClosing(t, consent, "#consent-confirm")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#cert-out[data-state="done"], #cert-out[data-state="error"]`)))
	state, code, body = eval[string](t, ctx, `document.getElementById("cert-out").dataset.state`), "", text(t, ctx, "#cert-out")
	if state != "done" {
		t.Fatalf("certificate: %s %s\n%s", state, code, body)
	}
	waitNoConsent(t, ctx)
	if state, code, again := demoAnswer(t, ctx, "do-cert", "cert-out"); state != "done" || again != body || consentTargets(t, ctx) != 0 {
		t.Fatalf("remembered certificate: %s %s, a window %d\n%s", state, code, consentTargets(t, ctx), again)
	}
	// The options page lists the remembered site; revoked there, the site asks again.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("options.html")),
		chromedp.WaitVisible(chromedp.CSS(`li.cert-origin[data-origin="`+origin+`"]`)),
	)
	shot(t, ctx, "pageapi-options-remembered")
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS(`li.cert-origin[data-origin="`+origin+`"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#cert-origins-none")),
		chromedp.Navigate(origin+"/index.html"),
		chromedp.WaitVisible(chromedp.CSS("#do-cert")),
		chromedp.Click(chromedp.CSS("#do-cert")),
	)
	consent = attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"] #consent-cert-data`)),
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)))
	confirmClosing(t, consent, "#consent-confirm")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#cert-out[data-state="done"]`)))
	waitNoConsent(t, ctx)

	// The authentication key signs no page digest: refused with its stable code, no window.
	if got := eval[string](t, ctx, `import("./ponte.js").then((m) => m.sign(new Uint8Array(32), "SHA-256", { role: "cns" })).then(() => "signed", (e) => e.code)`); got != "AUTH_KEY_NOT_FOR_SIGNING" {
		t.Fatalf("sign with the cns key: %s", got)
	}
	if n := consentTargets(t, ctx); n != 0 {
		t.Fatalf("%d consent windows for a refused cns signature", n)
	}
	var cr struct{ Card, Role, Certificate string }
	if err := json.Unmarshal([]byte(body), &cr); err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(cr.Certificate)
	signCert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("certificate %q: %v", cr.Certificate, err)
	}
	if cr.Role != "signature" || signCert.KeyUsage&x509.KeyUsageContentCommitment == 0 || signCert.Subject.SerialNumber != "TINIT-RSSMRA80A01H501U" {
		t.Fatalf("certificate: role %q, key usage %b, subject %s", cr.Role, signCert.KeyUsage, signCert.Subject)
	}
	shot(t, ctx, "pageapi-demo-status-cert")

	// A signature: the consent window shows the origin, the holder and the digest; the PIN is typed there.
	data := eval[string](t, ctx, `document.getElementById("text").value`)
	sum := sha256.Sum256([]byte(data))
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-sign")))
	consent = attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"]`)), chromedp.WaitVisible(chromedp.CSS("#consent-pin")))
	if got := text(t, consent, "#consent-origin"); got != origin {
		t.Fatalf("consent window shows origin %q, want %q", got, origin)
	}
	if got := text(t, consent, "#consent-holder"); !strings.Contains(got, "ROSSI MARIO") {
		t.Errorf("holder %q", got)
	}
	if got := strings.Join(strings.Fields(text(t, consent, "#consent-hash")), ""); got != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("digest shown %q, want %X", got, sum)
	}
	shot(t, consent, "pageapi-consent")
	within(t, consent, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS("#consent-pin"), testbed.PIN),
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)),
		chromedp.Click(chromedp.CSS("#consent-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#consent-pin2")),
	)
	shot(t, consent, "pageapi-consent-context-pin")
	within(t, consent, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS("#consent-pin2"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#consent-confirm2")),
	)
	within(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#sign-out[data-state="done"], #sign-out[data-state="error"]`)))
	body = text(t, ctx, "#sign-out")
	var sr struct{ Card, Role, Alg, SignatureAlgorithm, Hash, Signature, Certificate string }
	if err := json.Unmarshal([]byte(body), &sr); err != nil {
		t.Fatalf("sign answer %q: %v", body, err)
	}
	shot(t, ctx, "pageapi-demo-signed")
	if sr.Hash != base64.StdEncoding.EncodeToString(sum[:]) || sr.Alg != "SHA-256" {
		t.Fatalf("the page signed another digest: %+v", sr)
	}
	der, _ = base64.StdEncoding.DecodeString(sr.Certificate)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Equal(signCert) {
		t.Error("signed with another certificate than certificate() returned")
	}
	sig, _ := base64.StdEncoding.DecodeString(sr.Signature)
	algo := map[string]x509.SignatureAlgorithm{"RSASSA-PKCS1-v1_5": x509.SHA256WithRSA, "ECDSA": x509.ECDSAWithSHA256}[sr.SignatureAlgorithm]
	if err := cert.CheckSignature(algo, []byte(data), sig); err != nil {
		t.Fatalf("the signature does not verify over the page's text with the returned certificate: %v", err)
	}
	waitNoConsent(t, ctx)

	// The user cancels in the window.
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-sign")))
	consent = attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS("#consent-pin")))
	shot(t, consent, "pageapi-consent-before-cancel")
	// The click ends in the window closing, which DevTools may report as the click's error.
	cctx, cancel := context.WithTimeout(consent, 30*time.Second)
	if err := chromedp.Do(cctx, chromedp.Click(chromedp.CSS("#consent-cancel"))); err != nil && !strings.Contains(err.Error(), "detached") && !strings.Contains(err.Error(), "closed") {
		t.Fatalf("cancel click: %v", err)
	}
	cancel()
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#sign-out[data-state="error"]`)))
	if code := eval[string](t, ctx, `document.getElementById("sign-out").dataset.code`); code != "USER_CANCELLED" {
		t.Fatalf("cancel gave %q: %s", code, text(t, ctx, "#sign-out"))
	}
	shot(t, ctx, "pageapi-demo-cancelled")
	waitNoConsent(t, ctx)
	// The site that was just refused waits before its next request opens a window.
	wantCode(t, ctx, "do-sign", "sign-out", "RATE_LIMITED")
	if n := consentTargets(t, ctx); n != 0 {
		t.Fatalf("%d consent windows while the site waits", n)
	}
	time.Sleep(5 * time.Second) // the first refusal's wait (docs/page-api.md); not an assertion on time

	// A wrong PIN: one try per request; the page gets WRONG_PIN, the window stays to say so.
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-sign")))
	consent = attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#consent-pin")),
		chromedp.SendKeys(chromedp.CSS("#consent-pin"), wrongPIN(testbed.PIN)),
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)),
		chromedp.Click(chromedp.CSS("#consent-confirm")),
		chromedp.WaitVisible(chromedp.CSS(`#consent-failed[data-code="WRONG_PIN"]`)),
	)
	shot(t, consent, "pageapi-consent-wrong-pin")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#sign-out[data-state="error"]`)))
	if code := eval[string](t, ctx, `document.getElementById("sign-out").dataset.code`); code != "WRONG_PIN" {
		t.Fatalf("wrong PIN gave %q: %s", code, text(t, ctx, "#sign-out"))
	}
	if n := consentTargets(t, ctx); n != 1 {
		t.Fatalf("%d consent windows after a wrong PIN, want the one explaining it", n)
	}
	cctx, cancel = context.WithTimeout(consent, 30*time.Second)
	if err := chromedp.Do(cctx, chromedp.Click(chromedp.CSS("#consent-close"))); err != nil && !strings.Contains(err.Error(), "detached") && !strings.Contains(err.Error(), "closed") {
		t.Fatalf("close click: %v", err)
	}
	cancel()
	waitNoConsent(t, ctx)

	// A site not on the list: refused, and no window opens.
	within(t, ctx, 30*time.Second, chromedp.Navigate("https://"+refusedSite+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-status")))
	if body := wantCode(t, ctx, "do-status", "status-out", "ORIGIN_NOT_ALLOWED"); !strings.Contains(body, "non è autorizzato") {
		t.Errorf("refusal without the Italian message: %q", body)
	}
	wantCode(t, ctx, "do-cert", "cert-out", "ORIGIN_NOT_ALLOWED")
	wantCode(t, ctx, "do-sign", "sign-out", "ORIGIN_NOT_ALLOWED")
	if n := consentTargets(t, ctx); n != 0 {
		t.Fatalf("%d consent windows opened for a refused site", n)
	}
	shot(t, ctx, "pageapi-refused-origin")

	// An insecure page (http:// on a name that is not this computer).
	within(t, ctx, 30*time.Second, chromedp.Navigate("http://"+insecureSite+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-status")))
	if secure := eval[bool](t, ctx, `window.isSecureContext`); secure {
		t.Fatal("the http:// page is a secure context")
	}
	wantCode(t, ctx, "do-status", "status-out", "INSECURE_CONTEXT")
	wantCode(t, ctx, "do-cert", "cert-out", "INSECURE_CONTEXT")
	shot(t, ctx, "pageapi-insecure")

	// Removed from the list in the options page, the site is refused again.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("options.html")),
		chromedp.Click(chromedp.CSS(`li.origin[data-origin="`+origin+`"] button[data-action="origins-remove"]`)),
		chromedp.WaitVisible(chromedp.CSS("#origins-none")),
		chromedp.Navigate(origin+"/index.html"),
		chromedp.WaitVisible(chromedp.CSS("#do-status")),
	)
	wantCode(t, ctx, "do-status", "status-out", "ORIGIN_NOT_ALLOWED")
}

// Without ponte-host an allowed page gets HOST_MISSING, for the status and for a signature (no window).
func TestPageAPIWithoutHost(t *testing.T) {
	ctx := startBrowser(t, built(t), "", pageAPISites(t)...)
	origin := "https://" + allowedSite
	allowOrigin(t, ctx, allowedSite, origin)
	within(t, ctx, 30*time.Second, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-status")))
	if body := wantCode(t, ctx, "do-status", "status-out", "HOST_MISSING"); !strings.Contains(body, "non è installato") {
		t.Errorf("HOST_MISSING without the Italian message: %q", body)
	}
	wantCode(t, ctx, "do-sign", "sign-out", "HOST_MISSING")
	if n := consentTargets(t, ctx); n != 0 {
		t.Fatalf("%d consent windows without a host", n)
	}
	shot(t, ctx, "pageapi-no-host")
}
