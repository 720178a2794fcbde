package revocation

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/netperm/permhttp"
	"github.com/ponte-it/ponte/internal/testkit/catest"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"golang.org/x/crypto/ocsp"
)

// newCA makes a ponte-ca whose certificates name url as their OCSP responder.
func newCA(t *testing.T, url string) *catest.CA {
	t.Helper()
	c := catest.New(t, catest.Options{})
	c.SetPublicURL(url)
	return c
}

func issueSigner(t *testing.T, c *catest.CA) *x509.Certificate {
	t.Helper()
	return c.Provision(t, pki.ECKey(t).Public(), "/CN=ROSSI MARIO", profile.RoleSignature, time.Now().Add(-time.Hour), 1)
}

// responderCert makes a certificate for key, signed by parent/parentKey (self-signed when parent is nil).
func responderCert(t *testing.T, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer, eku []x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parentKey = key
	}
	return pki.MustCertify(t, &x509.Certificate{Subject: pkix.Name{CommonName: "OCSP responder"},
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: eku, KeyUsage: x509.KeyUsageDigitalSignature}, key.Public(), parent, parentKey)
}

// TestForgedResponses: a responder answering "good" with a signature the issuer does not stand behind
// is never believed, nor one whose CertID names another issuer, nor a stale or future one; a delegated
// responder the issuer certified for id-kp-OCSPSigning is.
func TestForgedResponses(t *testing.T) {
	var answer func(req *ocsp.Request) []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(b)
		if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/ocsp-request" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Write(answer(req))
	}))
	defer srv.Close()
	c := newCA(t, srv.URL+"/ocsp")
	cert := issueSigner(t, c)
	other := pki.ECKey(t)
	good := func(req *ocsp.Request, rc *x509.Certificate) ocsp.Response {
		return ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute),
			NextUpdate: time.Now().Add(time.Hour), Certificate: rc}
	}
	sign := func(tmpl ocsp.Response, responder *x509.Certificate, key crypto.Signer) []byte {
		b, err := ocsp.CreateResponse(c.Cert, responder, tmpl, key)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	selfSigned := responderCert(t, other, nil, nil, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	delegatedNoEKU := responderCert(t, other, c.Cert, c.Key, nil)
	delegated := responderCert(t, other, c.Cert, c.Key, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	foreign := newCA(t, srv.URL+"/ocsp")
	foreignDelegated := responderCert(t, other, foreign.Cert, foreign.Key, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	cases := []struct {
		name   string
		answer func(req *ocsp.Request) []byte
		want   Status
		detail string
	}{
		{"issuer", func(req *ocsp.Request) []byte { return sign(good(req, nil), c.Cert, c.Key) }, Good, ""},
		{"other key, no certificate", func(req *ocsp.Request) []byte { return sign(good(req, nil), selfSigned, other) }, Unavailable, "invalid response"},
		{"self-signed responder", func(req *ocsp.Request) []byte { return sign(good(req, selfSigned), selfSigned, other) }, Unavailable, "invalid response"},
		{"delegated without OCSPSigning", func(req *ocsp.Request) []byte { return sign(good(req, delegatedNoEKU), delegatedNoEKU, other) }, Unavailable, "id-kp-OCSPSigning"},
		{"delegated", func(req *ocsp.Request) []byte { return sign(good(req, delegated), delegated, other) }, Good, ""},
		{"stale", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.ThisUpdate, r.NextUpdate = time.Now().Add(-3*time.Hour), time.Now().Add(-2*time.Hour)
			return sign(r, c.Cert, c.Key)
		}, Unavailable, "stale"},
		{"future", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.ThisUpdate = time.Now().Add(time.Hour)
			return sign(r, c.Cert, c.Key)
		}, Unavailable, "future"},
		{"another certificate", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.SerialNumber = new(big.Int).Add(req.SerialNumber, big.NewInt(1))
			return sign(r, c.Cert, c.Key)
		}, Unavailable, "invalid response"},
		// Signed by the issuer, right serial, but the CertID hashes name another CA (RFC 6960 §4.1.1).
		{"wrong issuer hash", func(req *ocsp.Request) []byte {
			b, err := ocsp.CreateResponse(selfSigned, c.Cert, good(req, nil), c.Key)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, Unavailable, "another issuer"},
		// No nextUpdate ("newer information is available all the time", RFC 6960 §4.2.2.1) and a year
		// old: a "good" recorded before a revocation and replayed (no nonce is sent) must not count.
		{"old, no nextUpdate", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.ThisUpdate, r.NextUpdate = time.Now().AddDate(-1, 0, 0), time.Time{}
			return sign(r, c.Cert, c.Key)
		}, Unavailable, "old"},
		{"fresh, no nextUpdate", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.NextUpdate = time.Time{}
			return sign(r, c.Cert, c.Key)
		}, Good, ""},
		// A responder with id-kp-OCSPSigning certified by another CA has no title for this issuer (§4.2.2.2).
		{"delegated by another CA", func(req *ocsp.Request) []byte {
			return sign(good(req, foreignDelegated), foreignDelegated, other)
		}, Unavailable, "invalid response"},
		{"unknown", func(req *ocsp.Request) []byte {
			r := good(req, nil)
			r.Status = ocsp.Unknown
			return sign(r, c.Cert, c.Key)
		}, Unknown, ""},
		{"tryLater", func(*ocsp.Request) []byte { return ocsp.TryLaterErrorResponse }, Unavailable, "responder error"},
		{"garbage", func(*ocsp.Request) []byte { return []byte("<html>proxy</html>") }, Unavailable, "invalid response"},
	}
	chk := &Checker{Client: srv.Client(), Timeout: 5 * time.Second}
	for _, tc := range cases {
		answer = tc.answer
		r := chk.Check(context.Background(), cert, c.Cert)
		if r.Status != tc.want || !strings.Contains(r.Detail, tc.detail) || (r.Status == Unavailable && r.DetailIT == "") {
			t.Errorf("%s: %+v, want %s (%q)", tc.name, r, tc.want, tc.detail)
		}
	}
}

// TestUnavailable: no AIA, no issuer, a responder that never answers (bounded by the timeout), a
// closed port: each is Unavailable with its reason, never a hang.
func TestUnavailable(t *testing.T) {
	block := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(block)
	c := newCA(t, hang.URL)
	cert := issueSigner(t, c)
	chk := &Checker{Timeout: 200 * time.Millisecond}
	if r := chk.Check(context.Background(), cert, c.Cert); r.Status != Unavailable || !strings.Contains(r.Detail, "not reachable") {
		t.Errorf("hanging responder: %+v", r)
	}
	if r := chk.Check(context.Background(), cert, nil); r.Status != Unavailable || !strings.Contains(r.Detail, "issuer") {
		t.Errorf("no issuer: %+v", r)
	}
	noAIA := *cert
	noAIA.OCSPServer = nil
	if r := chk.Check(context.Background(), &noAIA, c.Cert); r.Status != Unavailable || !strings.Contains(r.Detail, "AIA") {
		t.Errorf("no AIA: %+v", r)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c2 := newCA(t, closed.URL)
	if r := chk.Check(context.Background(), issueSigner(t, c2), c2.Cert); r.Status != Unavailable || !strings.Contains(r.Detail, "not reachable") {
		t.Errorf("closed port: %+v", r)
	}
	// The same closed port, refused by an extension that lacks the host permission (netperm.Transport
	// asking a permission table that says no): the result names the responder's origin and the pattern
	// to ask for, in both languages.
	denied := &Checker{Timeout: 2 * time.Second, Client: &http.Client{Transport: &permhttp.Transport{
		Granted: func(context.Context, string) (bool, error) { return false, nil }}}}
	origin := strings.TrimSuffix(closed.URL, "/")
	r := denied.Check(context.Background(), issueSigner(t, c2), c2.Cert)
	if r.Status != Unavailable || r.Permission != "http://127.0.0.1/*" || !strings.Contains(r.DetailIT, "Ponte non ha il permesso di contattare il servizio OCSP "+origin) ||
		!strings.Contains(r.Detail, "not allowed to contact the OCSP responder "+origin) {
		t.Errorf("no permission: %+v", r)
	}
	granted := &Checker{Timeout: 2 * time.Second, Client: &http.Client{Transport: &permhttp.Transport{
		Granted: func(context.Context, string) (bool, error) { return true, nil }}}}
	if r := granted.Check(context.Background(), issueSigner(t, c2), c2.Cert); r.Permission != "" || !strings.Contains(r.Detail, "not reachable") {
		t.Errorf("permission held, port closed: %+v", r)
	}
}
