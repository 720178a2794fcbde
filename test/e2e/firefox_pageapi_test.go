package e2e

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/examples/page-api/authverify"
	"github.com/ponte-it/ponte/internal/testkit/firefox"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// ffConsent switches to Ponte's consent window (waiting for it) and returns the tab's context to go back.
func ffConsent(t *testing.T, b *firefox.Browser) string {
	t.Helper()
	tab := b.Context
	eventually(t, 30*time.Second, "Ponte's consent window opens", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		id, err := b.FindContext(ctx, "/consent.html")
		if err != nil {
			t.Fatal(err)
		}
		if id != "" {
			b.Context = id
		}
		return id != "", "none"
	})
	return tab
}

// The page API in Firefox (issue 15): an allow-listed page (http://localhost, a secure context) gets the
// certificate only after the holder agrees in Ponte's window, and authenticate gives a token the site's
// helper verifies, after "log in to <origin> as <holder>" and the PIN.
func TestFirefoxPageAPI(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{})
	home := t.TempDir()
	install := exec.Command(filepath.Join(build, "ponte-host"), "install")
	install.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("ponte-host install: %v\n%s", err, out)
	}
	site := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(testenv.Root(), "examples", "page-api"))))
	t.Cleanup(site.Close)
	origin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	b := startFirefox(t, build, home, bed.Env...)

	ffWait(t, b, "options.html", `#options[data-loaded="true"] #origin-input`)
	ffEval[any](t, b, `document.getElementById("origin-input").value = `+jsString(origin))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := b.Click(ctx, "#origin-add"); err != nil {
		t.Fatal(err)
	}
	ffUntil(t, b, `document.querySelector('li.origin[data-origin="`+origin+`"]')`)
	if err := b.Navigate(ctx, origin+"/index.html"); err != nil {
		t.Fatal(err)
	}
	ffUntil(t, b, `document.getElementById("do-cert")`)

	// The certificate: asked first.
	if err := b.Click(ctx, "#do-cert"); err != nil {
		t.Fatal(err)
	}
	tab := ffConsent(t, b)
	ffUntil(t, b, `document.querySelector('#consent[data-screen="confirm"] #consent-cert-data')`)
	if got := ffText(t, b, "#consent-origin"); got != origin {
		t.Fatalf("Firefox consent shows origin %q, want %q", got, origin)
	}
	ffShot(t, b, "firefox-pageapi-consent-certificate")
	ffUntil(t, b, `document.querySelector('#consent-confirm[data-armed="true"]')`)
	if err := b.Click(ctx, "#consent-confirm"); err != nil && !strings.Contains(err.Error(), "discarded") && !strings.Contains(err.Error(), "no such frame") {
		t.Fatalf("confirm: %v", err)
	}
	b.Context = tab
	ffUntil(t, b, `document.querySelector('#cert-out[data-state="done"], #cert-out[data-state="error"]')`)
	if state := ffEval[string](t, b, `document.getElementById("cert-out").dataset.state`); state != "done" {
		t.Fatalf("certificate in Firefox: %s", ffText(t, b, "#cert-out"))
	}

	// A login.
	nonce, _ := authverify.NewNonce()
	ffEval[any](t, b, `document.getElementById("nonce").value = `+jsString(nonce))
	if err := b.Click(ctx, "#do-auth"); err != nil {
		t.Fatal(err)
	}
	ffConsent(t, b)
	ffUntil(t, b, `document.getElementById("consent-pin") && document.getElementById("consent-as")`)
	if got := ffText(t, b, "#consent-as"); !strings.Contains(got, "ROSSI MARIO") {
		t.Fatalf("login window: %q", got)
	}
	ffShot(t, b, "firefox-pageapi-consent-authenticate")
	ffEval[any](t, b, `document.getElementById("consent-pin").value = `+jsString(testbed.PIN))
	ffUntil(t, b, `document.querySelector('#consent-confirm[data-armed="true"]')`)
	if err := b.Click(ctx, "#consent-confirm"); err != nil && !strings.Contains(err.Error(), "discarded") && !strings.Contains(err.Error(), "no such frame") {
		t.Fatalf("confirm: %v", err)
	}
	b.Context = tab
	ffUntil(t, b, `document.querySelector('#auth-out[data-state="done"], #auth-out[data-state="error"]')`)
	body := ffText(t, b, "#auth-out")
	var tok authverify.Token
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatalf("authenticate in Firefox: %s", body)
	}
	roots := x509.NewCertPool()
	roots.AddCert(bed.CA.Cert)
	if _, err := authverify.Verify(tok, authverify.Options{Origin: origin, Nonce: nonce, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the site's helper refuses Firefox's token: %v", err)
	}
	ffShot(t, b, "firefox-pageapi-authenticated")
}
