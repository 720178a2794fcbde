package tsl_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/tsltest"
	"github.com/ponte-it/ponte/internal/tsl"
)

var (
	t0     = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	now    = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	before = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ca makes a self-signed CA certificate named cn.
func ca(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	return pki.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn}, NotBefore: before,
		NotAfter: before.AddDate(20, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}).Cert()
}

func signer(t *testing.T, ec bool) *tsltest.Signer {
	t.Helper()
	s, err := tsltest.NewSigner("Test TSL signer", ec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// world is a list with a granted CA/QC, a CA/QC withdrawn in 2025 but granted before, and a TSA/QTST.
type world struct {
	qc, old, tsa *x509.Certificate
	list         tsltest.List
}

func newWorld(t *testing.T) *world {
	w := &world{qc: ca(t, "Test Qualified CA"), old: ca(t, "Test Old CA"), tsa: ca(t, "Test TSA CA")}
	withdrawn := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	oldSvc := tsltest.Service{State: tsltest.State{Type: tsl.TypeCAQC, Name: "Old CA", Status: tsl.StatusWithdrawn, Start: withdrawn},
		Certs: []*x509.Certificate{w.old},
		History: []tsltest.State{{Type: tsl.TypeCAQC, Name: "Old CA", Status: tsl.StatusGranted, Start: time.Date(2016, 7, 1, 0, 0, 0, 0, time.UTC)},
			{Type: tsl.TypeCAQC, Name: "Old CA", Status: "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited", Start: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	qc := tsltest.Granted("Qualified CA & co <firma>", before, w.qc)
	qc.Qualifiers = []string{"http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESig", "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCStatement"}
	w.list = tsltest.List{Territory: "IT", Sequence: 7, Issued: t0, NextUpdate: t0.AddDate(0, 6, 0), Providers: []tsltest.Provider{
		{Name: "Prova S.p.A.", Services: []tsltest.Service{qc, oldSvc,
			{State: tsltest.State{Type: tsl.TypeTSAQTS, Name: "TSA", Status: tsl.StatusGranted, Start: before}, Certs: []*x509.Certificate{w.tsa}}}},
	}}
	return w
}

func sign(t *testing.T, s *tsltest.Signer, xml []byte, c14n string) []byte {
	t.Helper()
	b, err := tsltest.Sign(xml, s.Key, s.Cert, c14n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyAndRead(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name string
		ec   bool
		c14n string
	}{{"rsa-exclusive", false, tsltest.ExclusiveC14N}, {"ecdsa-inclusive", true, tsltest.InclusiveC14N}, {"ecdsa-exclusive", true, tsltest.ExclusiveC14N}} {
		t.Run(tc.name, func(t *testing.T) {
			s := signer(t, tc.ec)
			signed := sign(t, s, w.list.XML(), tc.c14n)
			l, err := tsl.Verify(signed, tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}, Territory: "IT", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if l.SequenceNumber != 7 || l.Territory != "IT" || !l.Issued.Equal(t0) || !l.NextUpdate.Equal(t0.AddDate(0, 6, 0)) ||
				l.OperatorName != "Operatore di prova" || l.VersionIdentifier != 5 || !l.Signer.Equal(s.Cert) || l.Expired(now) {
				t.Fatalf("scheme information: %+v", l)
			}
			if len(l.Providers) != 1 || l.Providers[0].Name != "Prova S.p.A." || len(l.Providers[0].Services) != 3 {
				t.Fatalf("providers: %+v", l.Providers)
			}
			qc := l.Providers[0].Services[0]
			if qc.Name != "Qualified CA & co <firma>" || qc.Type != tsl.TypeCAQC || !qc.Positive() || len(qc.Certificates) != 1 ||
				!qc.Certificates[0].Equal(w.qc) || len(qc.Qualifiers) != 2 || !strings.HasSuffix(qc.Qualifiers[0], "QCForESig") ||
				len(qc.AddInfo) != 1 || qc.AddInfo[0] != tsl.ForESignatures {
				t.Fatalf("CA/QC service: %+v", qc)
			}
			if old := l.Providers[0].Services[1]; len(old.History) != 2 || old.Positive() || !old.History[0].Positive() {
				t.Fatalf("history: %+v", old)
			}
		})
	}
}

func TestAnchorsAndQualification(t *testing.T) {
	w := newWorld(t)
	s := signer(t, false)
	l, err := tsl.Verify(sign(t, s, w.list.XML(), ""), tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	has := func(certs []*x509.Certificate, c *x509.Certificate) bool {
		for _, x := range certs {
			if x.Equal(c) {
				return true
			}
		}
		return false
	}
	sigNow, _ := l.Anchors(cms.PurposeSignature, now)
	if !has(sigNow, w.qc) || has(sigNow, w.old) || has(sigNow, w.tsa) {
		t.Fatalf("signature anchors now: %d", len(sigNow))
	}
	// Granted in 2016 (history), withdrawn in 2025: an anchor for a signature made in 2024, and in 2015
	// under the pre-eIDAS "accredited" status.
	for _, at := range []time.Time{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if sig, _ := l.Anchors(cms.PurposeSignature, at); !has(sig, w.old) {
			t.Fatalf("withdrawn CA not an anchor at %s", at)
		}
	}
	if sig, _ := l.Anchors(cms.PurposeSignature, time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)); len(sig) != 0 {
		t.Fatal("anchors before any status started")
	}
	if ts, _ := l.Anchors(cms.PurposeTimeStamp, now); len(ts) != 1 || !ts[0].Equal(w.tsa) {
		t.Fatalf("time-stamp anchors: %d", len(ts))
	}
	m := l.Find(w.qc, now)
	if !m.Qualified() || !m.ForESignatures() || m.Provider != "Prova S.p.A." {
		t.Fatalf("find qc: %+v", m)
	}
	if m := l.Find(w.old, now); m == nil || m.Qualified() {
		t.Fatalf("withdrawn CA qualified now: %+v", m)
	}
	if m := l.Find(w.old, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); !m.Qualified() {
		t.Fatal("withdrawn CA not qualified in 2024")
	}
	if m := l.Find(ca(t, "Not listed"), now); m != nil || m.Qualified() {
		t.Fatalf("unlisted CA found: %+v", m)
	}
}

func TestRefused(t *testing.T) {
	w := newWorld(t)
	s := signer(t, false)
	signed := sign(t, s, w.list.XML(), "")
	pinned := []*x509.Certificate{s.Cert}
	expired := w.list
	expired.NextUpdate = now.AddDate(0, 0, -1)
	fr := w.list
	fr.Territory = "FR"
	badXML := bytes.Clone(signed)
	badXML[len(badXML)/2] = '<'
	for _, tc := range []struct {
		name string
		data []byte
		opts tsl.VerifyOptions
		code signerr.Code
	}{
		{"tampered name", bytes.Replace(signed, []byte("Prova S.p.A."), []byte("Prova S.p.B."), 1), tsl.VerifyOptions{Signers: pinned}, tsl.CodeBadSignature},
		{"tampered status", bytes.Replace(signed, []byte("Svcstatus/withdrawn"), []byte("Svcstatus/granted"), 1), tsl.VerifyOptions{Signers: pinned}, tsl.CodeBadSignature},
		{"unsigned", w.list.XML(), tsl.VerifyOptions{Signers: pinned}, tsl.CodeBadSignature},
		{"unknown signer", signed, tsl.VerifyOptions{Signers: []*x509.Certificate{signer(t, false).Cert}}, tsl.CodeUnknownSigner},
		{"AgID pinned, test signed", signed, tsl.VerifyOptions{Signers: tsl.AgIDSigners()}, tsl.CodeUnknownSigner},
		{"nothing pinned", signed, tsl.VerifyOptions{}, tsl.CodeUnknownSigner},
		{"signer expired", signed, tsl.VerifyOptions{Signers: pinned, Now: now.AddDate(20, 0, 0)}, tsl.CodeUnknownSigner},
		{"wrong territory", sign(t, s, fr.XML(), ""), tsl.VerifyOptions{Signers: pinned, Territory: "IT"}, tsl.CodeTerritory},
		{"not XML", []byte("%PDF-1.7"), tsl.VerifyOptions{Signers: pinned}, tsl.CodeMalformed},
		{"broken XML", badXML, tsl.VerifyOptions{Signers: pinned}, tsl.CodeMalformed},
		{"other root", []byte(`<TrustServiceStatusList xmlns="urn:x"/>`), tsl.VerifyOptions{Signers: pinned}, tsl.CodeMalformed},
		{"too large", make([]byte, tsl.MaxSize+1), tsl.VerifyOptions{Signers: pinned}, tsl.CodeMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tsl.Verify(tc.data, tc.opts)
			if err == nil || signerr.CodeOf(err) != tc.code {
				t.Fatalf("got %v (%v), want %s", l, err, tc.code)
			}
			var e *signerr.Error
			if !errorsAs(err, &e) || e.IT == "" || e.EN == "" {
				t.Fatalf("no IT/EN text: %v", err)
			}
			t.Logf("%s: %v", tc.code, err)
		})
	}
	// Expired: verified, and said so (the caller uses it with the warning "elenco scaduto").
	l, err := tsl.Verify(sign(t, s, expired.XML(), ""), tsl.VerifyOptions{Signers: pinned, Now: now})
	if err != nil || !l.Expired(now) {
		t.Fatalf("expired list: %v %v", l, err)
	}
}

// A forged list placed where the signature does not reach (an Object inside the enveloped Signature,
// which the enveloped-signature transform removes) is never what is read: only the bytes the signature
// covers are parsed (no signature wrapping).
func TestWrappingIgnored(t *testing.T) {
	w := newWorld(t)
	s := signer(t, false)
	signed := sign(t, s, w.list.XML(), "")
	forged := bytes.Replace(signed, []byte("</ds:Signature>"),
		[]byte(`<ds:Object><TrustServiceStatusList xmlns="`+tsl.Namespace+`"><SchemeInformation><TSLSequenceNumber>999</TSLSequenceNumber></SchemeInformation></TrustServiceStatusList></ds:Object></ds:Signature>`), 1)
	if bytes.Equal(forged, signed) {
		t.Fatal("no ds:Signature in the signed list")
	}
	l, err := tsl.Verify(forged, tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	if l.SequenceNumber != 7 {
		t.Fatalf("read the forged list: sequence %d", l.SequenceNumber)
	}
}
