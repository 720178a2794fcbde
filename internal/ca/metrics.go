package ca

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// GET /metrics is in the Prometheus text exposition format (written by client_golang's promhttp):
//
//	ponte_ca_requests_total{type,outcome}   every request answered, by kind and result (counter)
//	ponte_ca_issuance_seconds{type}         server time of each exchange that returned a new certificate
//	ponte_ca_pending_transactions{state}    open CMP transactions: waiting (delayed issuance), issued
//	                                        (certConf not received yet); read from the database
//
// plus the Go runtime and process collectors. type is the CMP request body (ir, cr, p10cr, kur, certConf,
// pollReq, rr, genm; "malformed" when it does not parse), or ocsp, crl, tsa, cacert. outcome is, for
// CMP: accepted, waiting, rejected (a rejection status or an error message), answered (rp), failed (no
// CMP answer); for OCSP: good, revoked, unknown, malformed, failed; otherwise ok or failed.
// docs/ca-operator.md lists them for the operator.

// metrics is one Handler's registry.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	issuance *prometheus.HistogramVec
}

func newMetrics(c *CA) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ponte_ca_requests_total",
			Help: "Requests answered, by type (CMP body, ocsp, crl, tsa, cacert) and outcome.",
		}, []string{"type", "outcome"}),
		issuance: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ponte_ca_issuance_seconds",
			Help:    "Server time of the CMP exchanges that returned a newly issued certificate, by request type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
	}
	m.reg.MustRegister(m.requests, m.issuance, pendingCollector{c},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry; a failing collector (the database down) leaves the others served.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

var pendingDesc = prometheus.NewDesc("ponte_ca_pending_transactions",
	"Open CMP transactions by state: waiting (delayed issuance), issued (waiting for certConf).", []string{"state"}, nil)

// pendingCollector reads the open transactions from the database at each scrape, so every instance
// over a shared database reports the same numbers.
type pendingCollector struct{ c *CA }

func (p pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- pendingDesc }

func (p pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := p.c.Store.Pending(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		return
	}
	for _, state := range []string{store.StateWaiting, store.StateIssued} {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n[state]), state)
	}
}

// requestKind names the services counted, by path ("" for the rest: /metrics, /healthz, not found).
func requestKind(path string) string {
	switch {
	case path == "/.well-known/cmp" || strings.HasPrefix(path, "/.well-known/cmp/"):
		return "cmp"
	case path == "/ocsp" || strings.HasPrefix(path, "/ocsp/"):
		return "ocsp"
	case path == "/crl":
		return "crl"
	case path == "/tsa":
		return "tsa"
	case path == "/ca.pem" || path == "/ca.cer":
		return "cacert"
	}
	return ""
}

// instrument counts every answer of next and times the issuing ones. The CMP request and the CMP and
// OCSP answers are parsed again here, so that the protocol code stays free of bookkeeping.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := requestKind(r.URL.Path)
		if kind == "" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		var req []byte
		if kind == "cmp" && r.Method == http.MethodPost {
			req, _ = io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
			r.Body = io.NopCloser(bytes.NewReader(req))
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, keep: kind == "cmp" || kind == "ocsp"}
		next.ServeHTTP(rec, r)
		typ, outcome, issued := kind, "ok", false
		switch {
		case kind == "cmp":
			typ, outcome, issued = cmpOutcome(req, rec)
		case kind == "ocsp":
			outcome = ocspOutcome(rec)
		case rec.status >= 400:
			outcome = "failed"
		}
		m.requests.WithLabelValues(typ, outcome).Inc()
		if issued {
			m.issuance.WithLabelValues(typ).Observe(time.Since(start).Seconds())
		}
	})
}

// cmpOutcome classifies one CMP exchange (RFC 9810 §5.2.3 PKIStatus of the answer).
func cmpOutcome(reqDER []byte, rec *recorder) (typ, outcome string, issued bool) {
	typ = "malformed"
	if req, err := cmp.ParseMessage(reqDER); err == nil {
		typ = req.Body.Type.String()
		if strings.HasPrefix(typ, "body[") {
			// A tag RFC 9810 §5.1.2 does not define: one label for all, as a client chooses the tag and
			// each label value is a series kept for the life of the process.
			typ = "other"
		}
	}
	ans, err := cmp.ParseMessage(rec.body.Bytes())
	if rec.status != http.StatusOK || err != nil {
		return typ, "failed", false
	}
	switch b := ans.Body; b.Type {
	case cmp.BodyIP, cmp.BodyCP, cmp.BodyKUP:
		if b.CertRep == nil || len(b.CertRep.Responses) == 0 {
			return typ, "failed", false
		}
		r := b.CertRep.Responses[0]
		switch r.Status.Status {
		case cmp.StatusAccepted, cmp.StatusGrantedWithMods:
			return typ, "accepted", len(r.Cert) > 0
		case cmp.StatusWaiting:
			return typ, "waiting", false
		}
		return typ, "rejected", false
	case cmp.BodyPollRep:
		return typ, "waiting", false
	case cmp.BodyError:
		return typ, "rejected", false
	case cmp.BodyRP:
		return typ, "answered", false
	}
	return typ, "accepted", false
}

// ocspOutcome is the certificate status of an OCSP answer (RFC 6960 §2.2), or why there is none.
func ocspOutcome(rec *recorder) string {
	resp, err := ocsp.ParseResponse(rec.body.Bytes(), nil)
	var re ocsp.ResponseError
	switch {
	case errors.As(err, &re) && re.Status == ocsp.Malformed:
		return "malformed"
	case err != nil:
		return "failed"
	case resp.Status == ocsp.Good:
		return "good"
	case resp.Status == ocsp.Revoked:
		return "revoked"
	}
	return "unknown"
}

// recorder keeps the status and, when keep, the body of an answer while passing both through.
type recorder struct {
	http.ResponseWriter
	status int
	keep   bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.keep && r.body.Len() < maxRequest {
		r.body.Write(p)
	}
	return r.ResponseWriter.Write(p)
}
