package e2e

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/examples/page-api/authverify"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// relaySigner is a malicious allow-listed site in the middle of a TLS client-certificate login to
// another portal: the handshake's digest goes out (to the page, as authenticate's nonce) and the card's
// answer comes back as the CertificateVerify.
type relaySigner struct {
	pub     crypto.PublicKey
	digests chan []byte
	sigs    chan []byte
}

func (r *relaySigner) Public() crypto.PublicKey { return r.pub }

func (r *relaySigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	r.digests <- digest
	select {
	case s := <-r.sigs:
		return s, nil
	case <-time.After(5 * time.Minute):
		return nil, errors.New("no signature from the page")
	}
}

// portal is a TLS 1.2 server that asks for a client certificate (any: only the CertificateVerify is
// judged) and reports its verdict on the handshake.
func portal(t *testing.T) (addr string, verdict <-chan error) {
	t.Helper()
	id := pki.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: "portale.example.it"}, NotAfter: time.Now().Add(time.Hour)})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{id.Cert().Raw}, PrivateKey: id.Key}},
		ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(6 * time.Minute))
		ch <- c.(*tls.Conn).Handshake()
	}()
	return ln.Addr().String(), ch
}

// Issue 15's acceptance: an allow-listed page's authenticate gives a token its server verifies with
// authverify (origin, nonce, chain, validity) after the holder confirmed "log in to <origin> as <holder>"
// with the PIN; the same signature, relayed as a TLS 1.2 CertificateVerify (PKCS#1 v1.5 over the
// handshake's SHA-256, the page passing that digest as the nonce), is refused by the TLS server.
func TestPageAPIAuthenticate(t *testing.T) {
	bed, ctx := bedBrowser(t, pageAPISites(t)...)
	origin := "https://" + allowedSite
	allowOrigin(t, ctx, allowedSite, origin)
	within(t, ctx, 30*time.Second, chromedp.Navigate(origin+"/index.html"), chromedp.WaitVisible(chromedp.CSS("#do-auth")))

	// The card's authentication certificate, as the malicious site would have it (it is public).
	cnsCert, err := x509.ParseCertificate(bed.Card.AuthCert)
	if err != nil {
		t.Fatalf("the test card's CNS certificate: %v", err)
	}
	relay := &relaySigner{pub: cnsCert.PublicKey, digests: make(chan []byte, 1), sigs: make(chan []byte, 1)}
	addr, verdict := portal(t)
	go func() {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
			Certificates: []tls.Certificate{{Certificate: [][]byte{cnsCert.Raw}, PrivateKey: relay,
				SupportedSignatureAlgorithms: []tls.SignatureScheme{tls.PKCS1WithSHA256, tls.ECDSAWithP256AndSHA256, tls.ECDSAWithP384AndSHA384}}}})
		if err == nil {
			conn.Close()
		}
	}()
	var digest []byte
	select {
	case digest = <-relay.digests:
	case <-time.After(60 * time.Second):
		t.Fatal("the TLS handshake never asked for a CertificateVerify")
	}
	nonce := base64.StdEncoding.EncodeToString(digest)

	eval[string](t, ctx, `document.getElementById("nonce").value = `+jsString(nonce))
	within(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#do-auth")))
	consent := attach(t, ctx, waitTarget(t, ctx, "page", "/consent.html"))
	within(t, consent, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consent[data-screen="confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`#consent-pin`)))
	if got := text(t, consent, "#consent-origin"); got != origin {
		t.Fatalf("login window shows origin %q", got)
	}
	if got := text(t, consent, "#consent-as"); !strings.Contains(got, "ROSSI MARIO") {
		t.Fatalf("login window does not name the holder: %q", got)
	}
	if eval[bool](t, consent, `!!document.getElementById("consent-hash")`) {
		t.Error("the login window shows a digest: nothing a page chose is signed")
	}
	shot(t, consent, "pageapi-consent-authenticate")
	within(t, consent, 60*time.Second,
		chromedp.SendKeys(chromedp.CSS("#consent-pin"), testbed.PIN),
		chromedp.WaitVisible(chromedp.CSS(`#consent-confirm[data-armed="true"]`)),
		chromedp.Click(chromedp.CSS("#consent-confirm")),
	)
	within(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#auth-out[data-state="done"], #auth-out[data-state="error"]`)))
	body := text(t, ctx, "#auth-out")
	var tok authverify.Token
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Signature == "" {
		t.Fatalf("authenticate answer %q: %v", body, err)
	}
	shot(t, ctx, "pageapi-demo-authenticated")

	// The site's server: the token verifies for this origin and nonce, against the CA, now.
	roots := x509.NewCertPool()
	roots.AddCert(bed.CA.Cert)
	got, err := authverify.Verify(tok, authverify.Options{Origin: origin, Nonce: nonce, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		t.Fatalf("the site's helper refuses the token: %v", err)
	}
	if !got.Equal(cnsCert) {
		t.Fatal("the token carries another certificate than the card's CNS one")
	}
	if _, err := authverify.Verify(tok, authverify.Options{Origin: "https://" + refusedSite, Nonce: nonce, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
		t.Fatal("the token verifies for another origin")
	}

	// The relay: the card's signature as the CertificateVerify of the live handshake.
	sig, _ := base64.StdEncoding.DecodeString(tok.Signature)
	relay.sigs <- sig
	select {
	case err := <-verdict:
		if err == nil || !strings.Contains(err.Error(), "signature") {
			t.Fatalf("the TLS server accepted the relayed login signature (%v)", err)
		}
		t.Logf("TLS server: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no verdict from the TLS server")
	}
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
