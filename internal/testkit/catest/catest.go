// Package catest starts a real ponte-ca in-process for other packages' tests: a fresh CA in a temp
// directory, served on 127.0.0.1:0, stopped at the end of the test. The renewal, host and end-to-end
// tests use it as the CA their CMP client talks to.
package catest

import (
	"context"
	"crypto"
	"crypto/x509"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// CA is a running ponte-ca.
type CA struct {
	*ca.CA
	URL string // base URL, e.g. http://127.0.0.1:41234

	server *http.Server

	// Credentials init created: the ir shared secret (reference "demo") and the demo prepaid account.
	IRReference, IRSecret string
	Account, Password     string
}

// Options tune New.
type Options struct {
	// Profiles are installed in addition to the defaults (cns, cns-paid, signature, extend).
	Profiles []*profile.Profile
	// NoDelay sets delaySeconds to 0 on the default profiles, for tests that do not exercise polling.
	NoDelay bool
	// Wrap, when set, wraps the CA's HTTP handler (a test that counts or delays the requests).
	Wrap func(http.Handler) http.Handler
}

// New creates and serves a CA for the test; everything stops in t.Cleanup.
func New(t testing.TB, o Options) *CA {
	t.Helper()
	res, err := ca.Init(t.TempDir(), ca.InitOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c := &CA{CA: res.CA, IRReference: res.IRReference, IRSecret: res.IRSecret, Account: res.AccountID, Password: res.AccountPassword}
	if o.NoDelay {
		for _, p := range c.Profiles {
			q := *p
			q.DelaySeconds = 0
			if err := c.AddProfile(&q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, p := range o.Profiles {
		if err := c.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.URL = "http://" + ln.Addr().String()
	c.SetPublicURL(c.URL)
	h := c.Handler()
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	c.server = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go c.server.Serve(ln)
	t.Cleanup(func() {
		c.server.Close()
		c.Close()
	})
	return c
}

// StopServing closes the CA's HTTP server, as a CA that went down (its database stays open).
func (c *CA) StopServing() { c.server.Close() }

// Endpoint is the CMP URL of a profile ("" for the default one).
func (c *CA) Endpoint(profileName string) string { return cmp.Endpoint(c.URL, profileName) }

// Anchors is a pool holding the CA certificate.
func (c *CA) Anchors() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// Provision issues a certificate for pub directly (as `ponte-ca issue`), e.g. for a virtual card. subject
// is an OpenSSL ("/CN=...") or RFC 4514 DN; the certificate is valid from notBefore for days.
func (c *CA) Provision(t testing.TB, pub crypto.PublicKey, subject string, role profile.Role, notBefore time.Time, days int) *x509.Certificate {
	t.Helper()
	subj, err := dn.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.Issue(context.Background(), &ca.Request{Subject: subj, SPKI: spki, Role: role,
		NotBefore: notBefore.UTC(), NotAfter: notBefore.UTC().AddDate(0, 0, days), Profile: c.Config.DefaultProfile})
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// Renewable provisions a CNS certificate for pub that expires in about 40 days: inside the default
// 90-day renewal window, far from the 6-year cap.
func (c *CA) Renewable(t testing.TB, pub crypto.PublicKey, subject string) *x509.Certificate {
	t.Helper()
	return c.Provision(t, pub, subject, profile.RoleCNS, time.Now().AddDate(0, 0, -1060), 1100)
}
