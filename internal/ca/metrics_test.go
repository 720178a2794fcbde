package ca

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// scrape reads /metrics with the Prometheus text parser and flattens it to "name{k=v,...}" → value
// (histograms as name_count and name_sum).
func (tc *testCA) scrape() map[string]float64 {
	tc.t.Helper()
	resp, err := http.Get(tc.base + "/metrics")
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		tc.t.Fatalf("/metrics: %s %s", resp.Status, ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tc.t.Fatalf("/metrics is not in the text exposition format: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		if !strings.HasPrefix(name, "ponte_ca_") {
			continue
		}
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.Counter != nil:
				out[name+key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[name+key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[name+"_count"+key] = float64(m.Histogram.GetSampleCount())
				out[name+"_sum"+key] = m.Histogram.GetSampleSum()
			}
		}
	}
	return out
}

// checkDeltas compares two scrapes: every ponte_ca_ series moved by exactly want (absent: 0).
func checkDeltas(t *testing.T, step string, before, after map[string]float64, want map[string]float64) {
	t.Helper()
	for k, v := range after {
		if strings.Contains(k, "_sum{") || strings.HasPrefix(k, "ponte_ca_pending_transactions") {
			continue
		}
		if d := v - before[k]; d != want[k] {
			t.Errorf("%s: %s moved by %v, want %v", step, k, d, want[k])
		}
	}
	for k, v := range want {
		if _, ok := after[k]; !ok && v != 0 {
			t.Errorf("%s: %s missing", step, k)
		}
	}
}

func pending(m map[string]float64) string {
	return fmt.Sprintf("waiting=%v issued=%v", m["ponte_ca_pending_transactions{state=waiting}"], m["ponte_ca_pending_transactions{state=issued}"])
}

// TestMetricsAfterCMPTraffic: real CMP traffic (openssl cmp, Ponte's client), OCSP (openssl ocsp), the
// CRL and a malformed request move exactly the counters they should, the issuance histogram counts the
// exchanges that returned a certificate, and the pending gauge follows a delayed transaction from
// waiting to issued to confirmed as the database records it.
func TestMetricsAfterCMPTraffic(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	tc.profile("slow", func(p *profile.Profile) { p.DelaySeconds = 1 })
	m0 := tc.scrape()
	if pending(m0) != "waiting=0 issued=0" {
		t.Fatalf("pending at start: %s", pending(m0))
	}

	// openssl: ir under the MAC, issued at once, explicit certConf.
	_, keyPath := tc.key("ir.key")
	out, err := openssl(t, tc.cmpArgs("now", "-cmd", "ir", "-ref", "demo", "-secret", "pass:"+testIRSecret, "-newkey", keyPath,
		"-subject", "/C=IT/CN=METRICHE/serialNumber=TINIT-RSSMRA80A01H501U", "-certout", tc.path("ir.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp ir: %v\n%s", err, out)
	}
	m1 := tc.scrape()
	checkDeltas(t, "ir", m0, m1, map[string]float64{
		"ponte_ca_requests_total{outcome=accepted,type=ir}":       1,
		"ponte_ca_requests_total{outcome=accepted,type=certConf}": 1,
		"ponte_ca_issuance_seconds_count{type=ir}":                1,
	})

	// Ponte's client: a delayed kur, left pending, then polled, then confirmed.
	oc := tc.renewable("old", "/C=IT/CN=ANNA/serialNumber=TINIT-BNCNNA80A41H501X")
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "slow"), Anchors: anchors, Signers: []*x509.Certificate{tc.ca.Cert}}
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	req := cmp.KeyUpdateRequest(oc.cert, oc.key, newKey)
	req.DeferConfirm = true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := cl.Enroll(ctx, req)
	if err != nil || res.Pending == nil {
		t.Fatalf("want a pending kur: %+v %v", res, err)
	}
	m2 := tc.scrape()
	checkDeltas(t, "kur waiting", m1, m2, map[string]float64{"ponte_ca_requests_total{outcome=waiting,type=kur}": 1})
	if pending(m2) != "waiting=1 issued=0" {
		t.Fatalf("pending after the kur: %s", pending(m2))
	}
	cl.MaxWait = 20 * time.Second
	prot := &cmp.SignatureProtection{Signer: oc.key, Cert: oc.cert}
	if res, err = cl.Poll(ctx, res.Pending, prot); err != nil || res.Cert == nil {
		t.Fatalf("poll: %+v %v", res, err)
	}
	m3 := tc.scrape()
	polls := m3["ponte_ca_requests_total{outcome=waiting,type=pollReq}"] - m2["ponte_ca_requests_total{outcome=waiting,type=pollReq}"]
	checkDeltas(t, "poll", m2, m3, map[string]float64{
		"ponte_ca_requests_total{outcome=accepted,type=pollReq}": 1,
		"ponte_ca_requests_total{outcome=waiting,type=pollReq}":  polls, // early polls, if the clock allowed any
		"ponte_ca_issuance_seconds_count{type=pollReq}":          1,
	})
	if pending(m3) != "waiting=0 issued=1" {
		t.Fatalf("pending after the poll: %s", pending(m3))
	}
	if err := cl.Confirm(ctx, res.Transaction, prot, res.Cert); err != nil {
		t.Fatal(err)
	}
	m4 := tc.scrape()
	checkDeltas(t, "certConf", m3, m4, map[string]float64{"ponte_ca_requests_total{outcome=accepted,type=certConf}": 1})
	if pending(m4) != "waiting=0 issued=0" {
		t.Fatalf("pending after certConf: %s", pending(m4))
	}

	// openssl: the same certificate again is refused; OCSP and the CRL; a request that is not CMP.
	out, err = openssl(t, tc.cmpArgs("slow", "-cmd", "kur", "-cert", oc.certPath, "-key", oc.keyPath, "-newkey", keyPath,
		"-trusted", tc.path(CertFile), "-certout", tc.path("again.pem"))...)
	if err == nil {
		t.Fatalf("second renewal accepted:\n%s", out)
	}
	if out, err := openssl(t, "ocsp", "-issuer", tc.path(CertFile), "-cert", tc.path("ir.pem"), "-url", tc.base+"/ocsp", "-CAfile", tc.path(CertFile)); err != nil || !strings.Contains(out, ": good") {
		t.Fatalf("openssl ocsp: %v\n%s", err, out)
	}
	for _, r := range []struct{ method, path, ct, body string }{{"GET", "/crl", "", ""}, {"POST", "/.well-known/cmp", cmp.ContentType, "not CMP"}} {
		hr, _ := http.NewRequest(r.method, tc.base+r.path, strings.NewReader(r.body))
		hr.Header.Set("Content-Type", r.ct)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	m5 := tc.scrape()
	checkDeltas(t, "refusal, OCSP, CRL, malformed", m4, m5, map[string]float64{
		"ponte_ca_requests_total{outcome=rejected,type=kur}":       1,
		"ponte_ca_requests_total{outcome=good,type=ocsp}":          1,
		"ponte_ca_requests_total{outcome=ok,type=crl}":             1,
		"ponte_ca_requests_total{outcome=rejected,type=malformed}": 1,
	})
}

// TestHealthz: 200 and "ok" for the database and the key while both work; 503 naming the database once
// it cannot answer, and /metrics still served without the series that need it.
func TestHealthz(t *testing.T) {
	tc := newTestCA(t)
	get := func() (int, health) {
		t.Helper()
		resp, err := http.Get(tc.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var h health
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&h); err != nil {
			t.Fatalf("/healthz: %v %s", err, b)
		}
		return resp.StatusCode, h
	}
	if code, h := get(); code != http.StatusOK || h != (health{Status: "ok", Database: "ok", Key: "ok"}) {
		t.Fatalf("healthy CA: %d %+v", code, h)
	}
	tc.ca.Store.Close()
	code, h := get()
	if code != http.StatusServiceUnavailable || h.Status != "failing" || h.Database == "ok" || h.Key != "ok" {
		t.Fatalf("CA without its database: %d %+v", code, h)
	}
	if m := tc.scrape(); len(m) != 0 {
		t.Fatalf("metrics without the database: %v", m)
	}
}

// TestMetricsBoundedLabels: CMP bodies of types RFC 9810 §5.1.2 does not define (tags [27] and up, which
// anyone can send unauthenticated) are counted under one type, "other": one series per tag sent would let
// a client grow /metrics and the CA's memory without bound.
func TestMetricsBoundedLabels(t *testing.T) {
	tc := newTestCA(t)
	before := tc.scrape()
	const n = 20
	for i := range n {
		m := &cmp.Message{Header: cmp.Header{PVNO: 2, TransactionID: []byte{byte(i)}, SenderNonce: make([]byte, 16)},
			Body: cmp.Body{Type: cmp.BodyType(100 + i), Raw: []byte{0x05, 0x00}}}
		der, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(tc.base+"/.well-known/cmp", cmp.ContentType, bytes.NewReader(der))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	after := tc.scrape()
	var grown []string
	for k := range after {
		if _, ok := before[k]; !ok {
			grown = append(grown, k)
		}
	}
	sort.Strings(grown)
	if len(grown) != 1 || after["ponte_ca_requests_total{outcome=rejected,type=other}"] != n {
		t.Fatalf("new series after %d bodies of unknown types: %v", n, grown)
	}
}

// TestHealthzKeyCheckShared: /healthz's key check (keyHealth) signs once for every request within
// keyCheckFor of the last signature, concurrent ones included, and again after it; a failed signature is
// what those requests report.
func TestHealthzKeyCheckShared(t *testing.T) {
	var mu sync.Mutex
	clock := time.Unix(1_800_000_000, 0)
	k := keyHealth{now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }}
	var signs atomic.Int64
	var fail atomic.Bool
	sign := func() error {
		signs.Add(1)
		if fail.Load() {
			return fmt.Errorf("token removed")
		}
		return nil
	}
	step := func(d time.Duration, want int64, wantErr bool) {
		t.Helper()
		mu.Lock()
		clock = clock.Add(d)
		mu.Unlock()
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = k.check(sign) }()
		}
		wg.Wait()
		for _, err := range errs {
			if (err != nil) != wantErr {
				t.Fatalf("after %v: check %v, want error %v", d, err, wantErr)
			}
		}
		if n := signs.Load(); n != want {
			t.Fatalf("after %v: %d signatures, want %d", d, n, want)
		}
	}
	step(0, 1, false)
	step(keyCheckFor-time.Millisecond, 1, false)
	fail.Store(true)
	step(time.Millisecond, 2, true)
	step(keyCheckFor/2, 2, true)
	fail.Store(false)
	step(keyCheckFor, 3, false)
	step(-time.Hour, 4, false) // the clock stepped back: checked again
}
