package certwatch

import (
	"context"
	"crypto/x509"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/netperm/permhttp"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/testkit/catest"
	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// world is a ponte-ca serving OCSP on loopback; requests counts the OCSP requests it answered.
type world struct {
	ca       *catest.CA
	requests atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{}
	w.ca = catest.New(t, catest.Options{Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			w.requests.Add(1)
			h.ServeHTTP(rw, r)
		})
	}})
	return w
}

func (w *world) issue(t *testing.T, cn string) certcache.Record {
	t.Helper()
	cert := w.ca.Provision(t, pki.ECKey(t).Public(), "/CN="+cn, profile.RoleSignature, time.Now().Add(-time.Hour), 300)
	return certcache.FromX509(cert, cn+".cer", time.Now())
}

func cacheOf(recs ...certcache.Record) (map[string]certcache.Record, []string) {
	m := map[string]certcache.Record{}
	var keys []string
	for _, r := range recs {
		m[certcache.Key(r)] = r
		keys = append(keys, certcache.Key(r))
	}
	return m, keys
}

// A good certificate is stored good, a revoked one revoked with its time and reason; the record says
// revoked so the inventory shows REVOCATO and no expiry reminder fires.
func TestRunGoodAndRevoked(t *testing.T) {
	w := newWorld(t)
	good, bad := w.issue(t, "BUONO"), w.issue(t, "REVOCATO")
	badCert, _ := x509.ParseCertificate(bad.DER)
	if err := w.ca.Revoke(context.Background(), badCert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	cache, keys := cacheOf(good, bad)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sum := Run(context.Background(), cache, keys, []*x509.Certificate{w.ca.Cert}, &revocation.Checker{}, now)
	if len(sum.Asked) != 2 || len(sum.Revoked) != 1 || sum.Revoked[0] != certcache.Key(bad) || len(sum.Unverified) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	g, b := cache[certcache.Key(good)], cache[certcache.Key(bad)]
	if g.Status == nil || g.Status.State != certcache.StatusGood || g.Status.Checked != "2026-03-02T10:00:00Z" || g.Status.LastGood != g.Status.Checked || g.Revoked {
		t.Fatalf("good record %+v %+v", g, g.Status)
	}
	if b.Status == nil || b.Status.State != certcache.StatusRevoked || b.Status.Reason != 1 || b.Status.RevokedAt == "" || !b.Revoked {
		t.Fatalf("revoked record %+v %+v", b, b.Status)
	}
	if certcache.State(b, now, false) != certcache.Revoked {
		t.Fatalf("inventory state %q", certcache.State(b, now, false))
	}
	if at, err := time.Parse(time.RFC3339, b.Status.RevokedAt); err != nil || time.Since(at) > time.Hour {
		t.Fatalf("revocation time %q (%v)", b.Status.RevokedAt, err)
	}
}

// A responder that is down is asked once per run however many certificates it serves; the records keep
// the date of the last good answer and count the failures; when it is back they are good again.
func TestRunResponderDown(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.issue(t, "A"), w.issue(t, "B"), w.issue(t, "C")
	cache, keys := cacheOf(a, b, c)
	anchors := []*x509.Certificate{w.ca.Cert}
	chk := &revocation.Checker{Timeout: 5 * time.Second}
	first := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	Run(context.Background(), cache, keys, anchors, chk, first)

	w.ca.StopServing()
	before := w.requests.Load()
	for i := 1; i <= 2; i++ {
		sum := Run(context.Background(), cache, keys, anchors, chk, first.AddDate(0, 0, 7*i))
		if len(sum.Asked) != 1 || len(sum.Unverified) != 3 {
			t.Fatalf("run %d with the responder down: %+v", i, sum)
		}
		for _, k := range keys {
			st := cache[k].Status
			if st.State != certcache.StatusUnverified || st.LastGood != "2026-03-02T10:00:00Z" || st.Failures != i || st.Detail == "" {
				t.Fatalf("run %d: %s %+v", i, k, st)
			}
		}
	}
	if got := w.requests.Load(); got != before {
		t.Fatalf("a closed server answered %d requests", got-before)
	}
	// Refused for lack of the host permission (netperm): every record served by that responder says so
	// and carries the pattern the pages offer to grant; one request for all three.
	denied := &revocation.Checker{Timeout: 5 * time.Second, Client: &http.Client{Transport: &permhttp.Transport{
		Granted: func(context.Context, string) (bool, error) { return false, nil }}}}
	sum := Run(context.Background(), cache, keys, anchors, denied, first.AddDate(0, 0, 21))
	if len(sum.Asked) != 1 || len(sum.Unverified) != 3 {
		t.Fatalf("without the permission: %+v", sum)
	}
	for _, k := range keys {
		if st := cache[k].Status; st.Permission != "http://127.0.0.1/*" || !strings.Contains(st.Detail, "Ponte non ha il permesso di contattare") {
			t.Fatalf("without the permission: %s %+v", k, st)
		}
	}
	// The next failure for another reason drops the offer.
	Run(context.Background(), cache, keys, anchors, chk, first.AddDate(0, 0, 28))
	if st := cache[keys[0]].Status; st.Permission != "" || st.State != certcache.StatusUnverified {
		t.Fatalf("permission offer kept after a plain failure: %+v", st)
	}
}

// Certificates that cannot be asked (no issuer known, no DER) are marked StatusNone without a request;
// keys not in the cache are ignored.
func TestRunNotCheckable(t *testing.T) {
	w := newWorld(t)
	r := w.issue(t, "ORFANO")
	noDER := r
	noDER.DER, noDER.Serial = nil, "ff"
	cache, keys := cacheOf(r, noDER)
	sum := Run(context.Background(), cache, append(keys, "CN=X|01"), nil, &revocation.Checker{}, time.Now())
	if len(sum.NotChecked) != 2 || len(sum.Asked) != 0 || w.requests.Load() != 0 {
		t.Fatalf("summary %+v, %d requests", sum, w.requests.Load())
	}
	for _, k := range keys {
		if cache[k].Status.State != certcache.StatusNone {
			t.Fatalf("%s: %+v", k, cache[k].Status)
		}
	}
	if _, ok := cache["CN=X|01"]; ok {
		t.Fatal("an unknown key was added")
	}
}

// The issuer may itself be a cached certificate (a .p12 with its chain, or a CA .cer the user added).
func TestRunIssuerFromCache(t *testing.T) {
	w := newWorld(t)
	r := w.issue(t, "CATENA")
	caRec := certcache.FromX509(w.ca.Cert, "ca.cer", time.Now())
	cache, _ := cacheOf(r, caRec)
	sum := Run(context.Background(), cache, []string{certcache.Key(r)}, nil, &revocation.Checker{}, time.Now())
	if len(sum.Asked) != 1 || cache[certcache.Key(r)].Status.State != certcache.StatusGood {
		t.Fatalf("summary %+v, status %+v", sum, cache[certcache.Key(r)].Status)
	}
}
