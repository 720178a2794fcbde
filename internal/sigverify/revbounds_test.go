package sigverify

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestRevocationAsksOnlyTrustedIssuers: the responder and CRL addresses are in the signer's certificate.
// For a certificate no anchor vouches for, they are the signer's to choose: Ponte asks none of them (the
// verdict is NON VERIFICABILE anyway, and asking would tell a stranger the file was opened, or let a
// certificate naming a hundred stalling CRLs hold the verification for a hundred timeouts). For a trusted
// one, at most revocation.MaxCRLPoints distribution points are tried after OCSP.
func TestRevocationAsksOnlyTrustedIssuers(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	var points []string
	for i := range 50 {
		points = append(points, fmt.Sprintf("%s/crl%d", srv.URL, i))
	}
	trusted := signtest.NewPKI(t)
	stranger := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Autorità qualunque"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, signtest.RSAKey(t, 2048), nil)
	sign := func(parent *signtest.Identity) []byte {
		leaf := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "NERI LUCA"}, KeyUsage: x509.KeyUsageContentCommitment,
			OCSPServer: []string{srv.URL + "/ocsp"}, CRLDistributionPoints: points}, signtest.RSAKey(t, 2048), parent)
		return signedP7M(t, docio.Bytes("ricevuta"), leaf)
	}
	opts := cms.VerifyOptions{Anchors: cms.StaticAnchors{trusted.Root.Cert()}}
	chk := &revocation.Checker{Client: srv.Client(), Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name   string
		parent *signtest.Identity
		max    int32
		status revocation.Status
	}{
		{"untrusted issuer", stranger, 0, revocation.NotChecked},
		{"trusted issuer", trusted.Intermediate, 1 + revocation.MaxCRLPoints, revocation.Unavailable},
	} {
		asked.Store(0)
		rep, err := File(docio.Bytes(sign(tc.parent)), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		CheckRevocation(context.Background(), rep, opts, chk)
		s := rep.Signers[0]
		if n := asked.Load(); n > tc.max || n == 0 && tc.max > 0 || s.Revocation.Status != tc.status || s.Valid() {
			t.Fatalf("%s: %d requests (at most %d), revocation %+v, verdict %+v", tc.name, n, tc.max, s.Revocation, s.Verdict())
		}
	}
}
