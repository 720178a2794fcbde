package cmp

import (
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/words"
)

func TestFailInfoBitString(t *testing.T) {
	for _, c := range []struct {
		f    FailInfo
		want []byte // DER BIT STRING, X.690 §11.2.2: no trailing zero bits
	}{
		{Bit(FailBadRequest), []byte{0x03, 0x02, 0x05, 0x20}},
		{Bit(FailNotAuthorized), []byte{0x03, 0x04, 0x00, 0x00, 0x00, 0x01}},
		{Bit(FailBadAlg) | Bit(FailBadPOP), []byte{0x03, 0x03, 0x06, 0x80, 0x40}},
	} {
		got, err := asn1.Marshal(c.f.bitString())
		if err != nil || string(got) != string(c.want) {
			t.Errorf("%v: % x, want % x", c.f.Names(), got, c.want)
		}
		var bs asn1.BitString
		asn1.Unmarshal(got, &bs)
		if failInfoFromBits(bs) != c.f {
			t.Errorf("%v does not decode back", c.f.Names())
		}
	}
}

func TestStatusTexts(t *testing.T) {
	if len(failInfoTable) != failBits {
		t.Fatalf("failInfoTable has %d rows, RFC 9810 §5.2.3 has %d bits", len(failInfoTable), failBits)
	}
	for i, r := range failInfoTable {
		if _, ok := words.Lookup(words.Code("failInfo." + r.name)); r.bit != i || !ok {
			t.Errorf("failInfo row %d: %+v, registered %v", i, r, ok)
		}
	}
	it := extension.Catalog("it")
	for _, r := range reasonTable {
		s := RejectionStatus(r.reason, "")
		if got, ok := s.Reason(); !ok || got != r.reason {
			t.Errorf("reason %s not recognised", r.reason)
		}
		if w := s.Words(); len(w) != 1 || w[0].Code != words.Code("reason."+string(r.reason)) || !it.Has(words.Key(w[0].Code)) {
			t.Errorf("reason %s: %v", r.reason, w)
		}
	}
	s := RejectionStatus(ReasonMaxLifetime, "issued 2020-01-10")
	if got, _ := userText(&Refusal{Status: s}); got != "rinnovo non consentito: durata massima del certificato raggiunta (la CA dice: «issued 2020-01-10»)" {
		t.Errorf("IT: %q", got)
	}
	// Another CA's own words, with failInfo bits: the bits' meaning plus the words.
	s = PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailBadTime) | Bit(FailSystemUnavail), StatusString: []string{"clock skew"}}
	if it, en := userText(&Refusal{Status: s}); !strings.Contains(it, "data e ora") || !strings.Contains(it, "riprovare più tardi") || !strings.HasSuffix(en, `(the CA says: "clock skew")`) {
		t.Errorf("texts %q %q", it, en)
	}
	if !(&Refusal{Status: s}).Retriable() {
		t.Error("systemUnavail should be retriable")
	}
	for _, c := range []Code{CodeMalformed, CodeTransport, CodeNotCMP, CodeUnprotected, CodeBadProtection, CodeUntrustedSigner,
		CodeUnauthorizedSigner, CodeRedirect, CodeInsecureURL, CodeTransactionMismatch, CodeNonceMismatch, CodeCertReqIDMismatch,
		CodeUnexpectedBody, CodeWrongPublicKey, CodeUntrustedCert, CodeBadPOP, CodeUnsupported, CodeBadInput} {
		if d, ok := words.Lookup(c); !ok || d.Area != words.CMP {
			t.Errorf("code %s not registered for cmp", c)
		}
	}
	// Error() is technical English: the code, never the catalogue's words.
	if e := (&Error{Code: CodeTransport, Detail: "dial"}).Error(); e != "cmp: CMP_TRANSPORT (dial)" {
		t.Errorf("Error() %q", e)
	}
}

// userText renders err's words in Italian and English from the extension's catalogue, as the screens do.
func userText(err error) (it, en string) {
	return extension.Catalog("it").Say(words.Of(err)...), extension.Catalog("en").Say(words.Of(err)...)
}
