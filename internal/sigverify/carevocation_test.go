package sigverify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/signtest"
)

// TestIntermediateRevoked: the signer's own certificate cannot be checked (no OCSP, no CRL), but the
// intermediate CA above it is on the root's CRL: the intermediate is checked too, and the signature is
// NON VALIDA / REVOKED naming the authority; with the intermediate off the CRL, VALIDA CON AVVERTENZE.
func TestIntermediateRevoked(t *testing.T) {
	var crl []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(crl) }))
	defer srv.Close()
	root := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Radice"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, signtest.RSAKey(t, 2048), nil)
	inter := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "CA Intermedia"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: []string{srv.URL + "/root.crl"}}, signtest.RSAKey(t, 2048), root)
	leaf := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "VERDI ANNA"}, KeyUsage: x509.KeyUsageContentCommitment},
		signtest.RSAKey(t, 2048), inter)
	content := docio.Bytes("verbale")
	parts, err := cms.SignFile(context.Background(), content, leaf.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: leaf.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := docio.WriteParts(&b, content, parts); err != nil {
		t.Fatal(err)
	}
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
	for _, revoked := range []bool{true, false} {
		crl = makeCRL(revoked)
		rep, err := File(docio.Bytes(b.Bytes()), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		CheckRevocation(context.Background(), rep, opts, &revocation.Checker{Client: srv.Client(), Timeout: 5 * time.Second})
		s, v := &rep.Signers[0], rep.Verdict()
		if len(s.CARevocation) != 1 || s.CARevocation[0].Name != "CA Intermedia" || s.Revocation.Status != revocation.Unavailable {
			t.Fatalf("revoked=%v: %+v / %+v", revoked, s.Revocation, s.CARevocation)
		}
		if revoked && (s.CARevocation[0].Result.Status != revocation.Revoked || v.Level != LevelNotValid || v.SubIndication != SubRevoked) {
			t.Fatalf("intermediate revoked: %+v, verdict %+v", s.CARevocation[0].Result, v)
		}
		if !revoked && (s.CARevocation[0].Result.Status != revocation.Good || v.Level != LevelWarnings) {
			t.Fatalf("intermediate good: %+v, verdict %+v", s.CARevocation[0].Result, v)
		}
	}
}
