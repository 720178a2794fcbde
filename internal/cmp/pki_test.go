package cmp

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// testPKI is a small CA with a CMP server certificate and an end-entity certificate, made fresh per test.
type testPKI struct {
	caKey, srvKey, eeKey crypto.Signer
	ca, srv, ee          *x509.Certificate
	anchors              *x509.CertPool
}

func newKey(t testing.TB, rsaKey bool) crypto.Signer {
	t.Helper()
	if rsaKey {
		return pki.RSAKey(t, 2048)
	}
	return pki.ECKey(t)
}

// issue certifies pub, signed by parent with parentKey (self-signed when parent is nil), through the
// test kit's factory.
func issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	return pki.MustCertify(t, tmpl, pub, parent, parentKey)
}

func newTestPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	p := &testPKI{caKey: newKey(t, false), srvKey: newKey(t, false), eeKey: newKey(t, true)}
	p.ca = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: name + " CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, p.caKey.Public(), nil, p.caKey)
	p.srv = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: name + " CMP server"}, KeyUsage: x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDKPCmcRA}},
		p.srvKey.Public(), p.ca, p.caKey)
	p.ee = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ROSSI MARIO", SerialNumber: "TINIT-RSSMRA80A01H501U"},
		KeyUsage: x509.KeyUsageDigitalSignature}, p.eeKey.Public(), p.ca, p.caKey)
	p.anchors = x509.NewCertPool()
	p.anchors.AddCert(p.ca)
	return p
}

func TestKURRoundTrip(t *testing.T) {
	p := newTestPKI(t, "Test")
	newK := newKey(t, false)
	spki, _ := x509.MarshalPKIXPublicKey(newK.Public())
	crm := CertReqMsg{CertReqID: 0, Template: CertTemplate{Subject: p.ee.RawSubject, PublicKey: spki},
		Controls: []AttributeTypeAndValue{OldCertIDControl(p.ee)}}
	if err := crm.SignPOP(newK); err != nil {
		t.Fatal(err)
	}
	m := &Message{Header: Header{PVNO: PVNO2000, Recipient: DirectoryName(p.ee.RawIssuer), MessageTime: time.Now(),
		TransactionID: []byte("0123456789abcdef"), SenderNonce: []byte("fedcba9876543210"), GeneralInfo: []InfoTypeAndValue{ImplicitConfirmInfo()}},
		Body: Body{Type: BodyKUR, CertReqMsgs: []CertReqMsg{crm}}}
	if err := m.Protect(&SignatureProtection{Signer: p.eeKey, Cert: p.ee}); err != nil {
		t.Fatal(err)
	}
	der, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseMessage(der)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body.Type != BodyKUR || len(got.Body.CertReqMsgs) != 1 || !got.Header.ImplicitConfirm() {
		t.Fatalf("decoded %+v", got.Body)
	}
	signer, err := got.VerifySignature(p.anchors, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !signer.Equal(p.ee) {
		t.Fatal("wrong protection certificate")
	}
	r := &got.Body.CertReqMsgs[0]
	if err := r.VerifyPOP(); err != nil {
		t.Fatal(err)
	}
	issuer, serial, ok, err := r.OldCertID()
	if err != nil || !ok || serial.Cmp(p.ee.SerialNumber) != 0 {
		t.Fatalf("oldCertID %v %v %v", serial, ok, err)
	}
	if n, _ := issuer.Name(); string(n) != string(p.ee.RawIssuer) {
		t.Fatal("oldCertID issuer")
	}
	again, err := got.Marshal()
	if err != nil || string(again) != string(der) {
		t.Fatal("re-marshal differs")
	}
	// Tampering with the body must break both the protection and, for the template, the POP.
	got.Body.CertReqMsgs[0].Template.Subject = p.ca.RawSubject
	got.Body.CertReqMsgs[0].rawCertReq = nil
	got.Reencode()
	if _, err := got.VerifySignature(p.anchors, time.Now()); !isCode(err, CodeBadProtection) {
		t.Fatalf("tampered body: %v", err)
	}
	if err := got.Body.CertReqMsgs[0].VerifyPOP(); !isCode(err, CodeBadPOP) {
		t.Fatalf("tampered template: %v", err)
	}
}

func isCode(err error, c Code) bool {
	e, ok := err.(*Error)
	return ok && e.Code == c
}

func asn1Unmarshal(b []byte, v any) ([]byte, error) { return asn1.Unmarshal(b, v) }
