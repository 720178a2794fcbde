package revocation

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestCRLFallback: a certificate naming no OCSP responder is checked against its CRL distribution
// point: a current CRL from the issuer without it → good; with it → revoked (time, reason); a CRL signed
// by another key, one issued by another CA, a stale one, a missing one → unavailable with the reason,
// never good.
func TestCRLFallback(t *testing.T) {
	var serve func() []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := serve()
		if b == nil {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	pki := signtest.NewPKIWithCRL(t, srv.URL+"/crl")
	cert, issuer := pki.Signer.Cert(), pki.Intermediate.Cert()
	revokedAt := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	crl := func(signer *signtest.Identity, this, next time.Time, revoked bool, exts ...pkix.Extension) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: this, NextUpdate: next, ExtraExtensions: exts}
		if revoked {
			tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: cert.SerialNumber, RevocationTime: revokedAt, ReasonCode: 1}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, signer.Cert(), signer.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	now := time.Now()
	forged := crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false)
	forged = append([]byte(nil), forged...)
	forged[len(forged)-5] ^= 0xff // the signature no longer verifies
	cases := []struct {
		name   string
		crl    []byte
		want   Status
		detail string
	}{
		{"current, not listed", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false), Good, ""},
		{"current, listed", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), true), Revoked, ""},
		{"bad signature", forged, Unavailable, "not signed by the issuer"},
		{"another CA", crl(pki.Root, now.Add(-time.Hour), now.Add(time.Hour), true), Unavailable, "another CA"},
		{"stale", crl(pki.Intermediate, now.Add(-3*time.Hour), now.Add(-2*time.Hour), false), Unavailable, "stale"},
		{"future", crl(pki.Intermediate, now.Add(time.Hour), now.Add(2*time.Hour), false), Unavailable, "future"},
		{"missing", nil, Unavailable, "HTTP 404"},
		// RFC 5280 §5.2: a CRL with a critical extension the reader cannot process must not be used. A
		// delta CRL lists only what changed since its base (§5.2.4), a partitioned one only CA certificates
		// (issuingDistributionPoint onlyContainsCACerts, §5.2.5): the issuer's own, current and signed, yet
		// a revoked signer is not on them — served instead of the full CRL they would read "good".
		{"delta CRL", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false,
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 6}}), Unavailable, "critical extension"},
		{"only CA certificates", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false,
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: []byte{0x30, 3, 0x82, 1, 0xff}}), Unavailable, "critical extension"},
		{"unknown critical extension", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false,
			pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}), Unavailable, "critical extension"},
		{"unknown non-critical extension", crl(pki.Intermediate, now.Add(-time.Hour), now.Add(time.Hour), false,
			pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Value: []byte{5, 0}}), Good, ""},
	}
	chk := &Checker{Client: srv.Client(), Timeout: 5 * time.Second}
	for _, tc := range cases {
		serve = func() []byte { return tc.crl }
		r := chk.Check(context.Background(), cert, issuer)
		if r.Status != tc.want || !strings.Contains(r.Detail, tc.detail) || (r.Status == Unavailable && r.DetailIT == "") {
			t.Errorf("%s: %+v, want %s (%q)", tc.name, r, tc.want, tc.detail)
		}
		if r.Status == Revoked && (!r.At.Equal(revokedAt) || r.Reason != 1 || r.Source != "crl") {
			t.Errorf("%s: %+v", tc.name, r)
		}
		if r.Status == Good && (r.Source != "crl" || r.Responder != srv.URL+"/crl") {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}
