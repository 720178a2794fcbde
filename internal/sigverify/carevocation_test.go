package sigverify

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestIntermediateRevoked: the signer's own certificate is good on its CRL, but the intermediate CA
// above it is on the root's CRL: the intermediate is checked too, and the signature is NON VALIDA /
// REVOKED naming the authority; with the intermediate off the CRL, VALIDA; with the root's CRL gone,
// NON VERIFICABILE / TRY_LATER naming the authority.
func TestIntermediateRevoked(t *testing.T) {
	var crl []byte
	var interCRL []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/inter.crl":
			w.Write(interCRL)
		case crl != nil:
			w.Write(crl)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	root := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Radice"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, signtest.RSAKey(t, 2048), nil)
	inter := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "CA Intermedia"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: []string{srv.URL + "/root.crl"}}, signtest.RSAKey(t, 2048), root)
	leaf := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "VERDI ANNA"}, KeyUsage: x509.KeyUsageContentCommitment,
		CRLDistributionPoints: []string{srv.URL + "/inter.crl"}}, signtest.RSAKey(t, 2048), inter)
	p7m := signedP7M(t, docio.Bytes("verbale"), leaf)
	opts := cms.VerifyOptions{Anchors: cms.StaticAnchors{root.Cert()}}
	makeCRL := func(revoked bool) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour)}
		if revoked {
			tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: inter.Cert().SerialNumber, RevocationTime: time.Now().Add(-time.Minute)}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, root.Cert(), root.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	makeInterCRL := func() []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour)}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, inter.Cert(), inter.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	interCRL = makeInterCRL()
	for _, tc := range []struct {
		name  string
		crl   []byte
		ca    revocation.Status
		level Level
		sub   string
	}{
		{"revoked", makeCRL(true), revocation.Revoked, LevelNotValid, SubRevoked},
		{"good", makeCRL(false), revocation.Good, LevelValid, ""},
		{"root's CRL gone", nil, revocation.Unavailable, LevelCannotVerify, SubTryLater},
	} {
		crl = tc.crl
		rep, err := File(docio.Bytes(p7m), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		CheckRevocation(context.Background(), rep, opts, &revocation.Checker{Client: srv.Client(), Timeout: 5 * time.Second})
		s, v := &rep.Signers[0], rep.Verdict()
		if len(s.CARevocation) != 1 || s.CARevocation[0].Name != "CA Intermedia" || s.Revocation.Status != revocation.Good {
			t.Fatalf("%s: %+v / %+v", tc.name, s.Revocation, s.CARevocation)
		}
		if s.CARevocation[0].Result.Status != tc.ca || v.Level != tc.level || v.SubIndication != tc.sub {
			t.Fatalf("%s: intermediate %+v, verdict %+v", tc.name, s.CARevocation[0].Result, v)
		}
		if tc.level != LevelValid && !strings.Contains(v.Reasons[0].IT, "CA Intermedia") {
			t.Fatalf("%s: the reason does not name the authority: %v", tc.name, v.Reasons)
		}
	}
}
