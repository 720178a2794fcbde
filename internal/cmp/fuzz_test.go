package cmp

import (
	"crypto/x509"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func vectorFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "openssl", "*.der"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in testdata/openssl: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// The committed OpenSSL vectors decode, re-encode to the same bytes, and their MACs, POPs and certConf
// hash check out, without needing openssl installed.
func TestOpenSSLVectorFiles(t *testing.T) {
	msgs := map[string]*Message{}
	for name, der := range vectorFiles(t) {
		m, err := ParseMessage(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasSuffix(name, "-"+m.Body.Type.String()+".der") {
			t.Fatalf("%s decoded as %v", name, m.Body.Type)
		}
		m.Reencode()
		if b, err := m.Marshal(); err != nil || string(b) != string(der) {
			t.Fatalf("%s: re-encoding differs", name)
		}
		msgs[name] = m
	}
	for _, n := range []string{"TestOpenSSLClientMACAndGenmVectors-1-ir.der", "TestOpenSSLClientMACAndGenmVectors-2-ip.der"} {
		if err := msgs[n].VerifyMAC([]byte("sesamo")); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	for _, n := range []string{"TestOpenSSLClientKeyUpdateVectors-1-kur.der", "TestOpenSSLClientMACAndGenmVectors-1-ir.der", "TestOpenSSLClientErrorVectors-1-cr.der"} {
		if err := msgs[n].Body.CertReqMsgs[0].VerifyPOP(); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	cert, err := x509.ParseCertificate(msgs["TestOpenSSLClientKeyUpdateVectors-6-kup.der"].Body.CertRep.Responses[0].Cert)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := msgs["TestOpenSSLClientKeyUpdateVectors-7-certConf.der"].Body.CertConf[0].Confirms(cert); !ok || err != nil {
		t.Fatalf("certConf: %v", err)
	}
	e := msgs["TestOpenSSLClientErrorVectors-2-error.der"].Body.Error
	if e.Status.Status != StatusRejection || !e.Status.FailInfo.Has(FailBadRequest) {
		t.Fatalf("error %+v", e)
	}
}

// FuzzParseMessage feeds the PKIMessage decoder (and, through it, the CRMF, PKIStatusInfo and
// certConf decoders) and every check that reads a parsed message: none may panic or hang, and whatever
// decodes and re-encodes must decode again.
func FuzzParseMessage(f *testing.F) {
	for _, der := range vectorFiles(f) {
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x00})
	pool := x509.NewCertPool()
	f.Fuzz(func(t *testing.T, der []byte) {
		m, err := ParseMessage(der)
		if err != nil {
			return
		}
		m.VerifyMAC([]byte("secret"))
		m.VerifySignature(pool, time.Unix(1700000000, 0))
		m.Header.ImplicitConfirm()
		m.AsksForCACerts()
		for i := range m.Body.CertReqMsgs {
			m.Body.CertReqMsgs[i].VerifyPOP()
			m.Body.CertReqMsgs[i].OldCertID()
		}
		if m.Body.CertRep != nil {
			for _, r := range m.Body.CertRep.Responses {
				r.Status.Words()
				_ = (&Refusal{Status: r.Status}).Error()
			}
		}
		if m.Body.Error != nil {
			m.Body.Error.Status.Words()
		}
		m.Reencode()
		again, err := m.Marshal()
		if err != nil {
			return
		}
		if _, err := ParseMessage(again); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
	})
}

// FuzzTermsRegInfo: whatever versions are given, TermsRegInfo either refuses them or produces a regInfo
// entry the CA's reader (UTF8Pairs) reads back to exactly the same versions and time.
func FuzzTermsRegInfo(f *testing.F) {
	f.Add("ponte-ca-termini-1", "ponte-ca-privacy-1", int64(1765000000))
	f.Add("v?1", "p%", int64(0))
	f.Add("è", "sha256-0123456789ab", int64(-1))
	f.Fuzz(func(t *testing.T, terms, privacy string, unix int64) {
		at := time.Unix(unix%(1<<34), 0).UTC()
		ri, err := TermsRegInfo(terms, privacy, at)
		if err != nil {
			return
		}
		m := CertReqMsg{RegInfo: []AttributeTypeAndValue{ri}}
		pairs, err := m.UTF8Pairs()
		if !utf8.ValidString(terms) || !utf8.ValidString(privacy) {
			t.Fatalf("%q %q: not UTF-8, yet encoded", terms, privacy)
		}
		if err != nil || pairs[PairTermsVersion] != terms || pairs[PairPrivacyVersion] != privacy ||
			pairs[PairTermsAccepted] != at.Format(time.RFC3339) {
			t.Fatalf("%q %q %v: read back %v %v", terms, privacy, at, pairs, err)
		}
	})
}

// TestEmptyCertRepRoundTrip is the input FuzzParseMessage found on CI: an ip with an empty caPubs and no
// CertResponse decoded, re-encoded without caPubs, and the re-encoding did not decode. Both are refused.
func TestEmptyCertRepRoundTrip(t *testing.T) {
	var ip *Message
	for _, der := range vectorFiles(t) {
		if m, err := ParseMessage(der); err == nil && m.Body.Type == BodyIP {
			ip = m
			break
		}
	}
	if ip == nil {
		t.Fatal("no ip among the vectors")
	}
	hdr, err := ip.Header.encode()
	if err != nil {
		t.Fatal(err)
	}
	// body [1] { SEQUENCE { [1] { SEQUENCE {} }, SEQUENCE {} } }
	body := []byte{0xa1, 0x08, 0x30, 0x06, 0xa1, 0x02, 0x30, 0x00, 0x30, 0x00}
	der, err := asn1.Marshal(struct{ H, B asn1.RawValue }{asn1.RawValue{FullBytes: hdr}, asn1.RawValue{FullBytes: body}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseMessage(der); err == nil {
		t.Fatal("an ip without a CertResponse was accepted")
	}
	m := &Message{Header: ip.Header, Body: Body{Type: BodyIP, CertRep: &CertRepMessage{}}}
	if _, err := m.Marshal(); err == nil {
		t.Fatal("an ip without a CertResponse was encoded")
	}
}
