package cmp

import (
	"encoding/asn1"
	"strings"
	"testing"
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
		if r.bit != i || r.it == "" || r.en == "" || r.it == r.en {
			t.Errorf("failInfo row %d: %+v", i, r)
		}
	}
	for _, r := range reasonTable {
		s := RejectionStatus(r.reason, "")
		if got, ok := s.Reason(); !ok || got != r.reason {
			t.Errorf("reason %s not recognised", r.reason)
		}
		it, en := s.Text()
		if it != r.it || en != r.en {
			t.Errorf("reason %s: %q / %q", r.reason, it, en)
		}
	}
	s := RejectionStatus(ReasonMaxLifetime, "issued 2020-01-10")
	it, _ := s.Text()
	if it != "rinnovo non consentito: durata massima del certificato raggiunta (la CA dice: «issued 2020-01-10»)" {
		t.Errorf("IT: %q", it)
	}
	// Another CA's own words, with failInfo bits: the bits' meaning plus the words.
	s = PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailBadTime) | Bit(FailSystemUnavail), StatusString: []string{"clock skew"}}
	it, en := s.Text()
	if !strings.Contains(it, "data e ora") || !strings.Contains(it, "riprovare più tardi") || !strings.HasSuffix(en, `(the CA says: "clock skew")`) {
		t.Errorf("texts %q %q", it, en)
	}
	if !(&Refusal{Status: s}).Retriable() {
		t.Error("systemUnavail should be retriable")
	}
	for _, r := range codeTable {
		if r.it == "" || r.en == "" || r.it == r.en {
			t.Errorf("code %s texts", r.code)
		}
	}
}
