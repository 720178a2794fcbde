// Package certwatch is the weekly OCSP status check of the certificates Ponte remembers (issue 7, expiry
// watch): for each cached certificate that names an OCSP responder (RFC 5280 §4.2.2.1 AIA) and whose
// issuer is known, it asks the responder (package revocation, RFC 6960) and stores the answer and its time
// in the record (certcache.Status). Which records are due is decided by extension/status.mjs, which runs
// the check through the WASM module's watch mode (wasm/watchmode.go) only when something is due.
//
// A responder that does not answer is asked once per run: the other certificates it serves are marked
// not verified in the same run without another request, so a responder that is down costs one request a
// run, and status.mjs bounds the retries.
package certwatch

import (
	"context"
	"crypto/x509"
	"sort"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/revocation"
)

// Checker asks a responder about one certificate (*revocation.Checker).
type Checker interface {
	Check(ctx context.Context, cert, issuer *x509.Certificate) revocation.Result
}

// Summary says what one run did, by record key.
type Summary struct {
	Asked      []string `json:"asked"`      // keys whose responder was asked
	Revoked    []string `json:"revoked"`    // found revoked in this run
	Unverified []string `json:"unverified"` // no trustworthy answer
	NotChecked []string `json:"notChecked"` // no certificate, no OCSP URL or unknown issuer (StatusNone)
}

// Run checks the records named by keys (unknown keys are ignored) and writes each outcome into cache.
// anchors are issuer candidates besides the cached certificates themselves (the CA profiles' anchors).
// now is the watch's clock (simulated in tests); the responses' validity is judged by chk's own clock.
func Run(ctx context.Context, cache map[string]certcache.Record, keys []string, anchors []*x509.Certificate, chk Checker, now time.Time) Summary {
	pool := append([]*x509.Certificate(nil), anchors...)
	for _, k := range sortedKeys(cache) {
		if c, err := x509.ParseCertificate(cache[k].DER); err == nil {
			pool = append(pool, c)
		}
	}
	stamp := now.UTC().Format(time.RFC3339)
	down := map[string]revocation.Result{}                                                                 // responders that failed in this run
	sum := Summary{Asked: []string{}, Revoked: []string{}, Unverified: []string{}, NotChecked: []string{}} // JSON [] not null
	for _, k := range dedup(keys) {
		r, ok := cache[k]
		if !ok {
			continue
		}
		prev := certcache.Status{}
		if r.Status != nil {
			prev = *r.Status
		}
		cert, err := x509.ParseCertificate(r.DER)
		var issuer *x509.Certificate
		if err == nil {
			issuer = revocation.IssuerOf(cert, pool)
		}
		url := ""
		if err == nil {
			url = revocation.ResponderURL(cert)
		}
		if issuer == nil || url == "" {
			r.Status = &certcache.Status{State: certcache.StatusNone, Checked: stamp, LastGood: prev.LastGood}
			cache[k] = r
			sum.NotChecked = append(sum.NotChecked, k)
			continue
		}
		res, failed := down[url]
		if !failed {
			res = chk.Check(ctx, cert, issuer)
			sum.Asked = append(sum.Asked, k)
			if res.Status == revocation.Unavailable {
				down[url] = res
			}
		}
		st := outcome(res, prev, stamp)
		r.Status = &st
		r.Revoked = st.State == certcache.StatusRevoked
		cache[k] = r
		switch st.State {
		case certcache.StatusRevoked:
			sum.Revoked = append(sum.Revoked, k)
		case certcache.StatusUnverified:
			sum.Unverified = append(sum.Unverified, k)
		}
	}
	return sum
}

// outcome turns a responder's answer into the stored status, keeping the date of the last good answer.
func outcome(res revocation.Result, prev certcache.Status, stamp string) certcache.Status {
	st := certcache.Status{Checked: stamp, Responder: res.Responder, LastGood: stamp}
	switch res.Status {
	case revocation.Good:
		st.State = certcache.StatusGood
	case revocation.Revoked:
		st.State, st.RevokedAt, st.Reason = certcache.StatusRevoked, res.At.UTC().Format(time.RFC3339), res.Reason
	case revocation.Unknown:
		st.State = certcache.StatusUnknown
	default: // Unavailable: keep what was known, count the failure
		st.State, st.LastGood, st.Failures = certcache.StatusUnverified, prev.LastGood, prev.Failures+1
		st.Detail, st.Permission = res.DetailIT+" / "+res.Detail, res.Permission
	}
	return st
}

func sortedKeys(m map[string]certcache.Record) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedup(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
