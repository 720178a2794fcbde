package cmp

import (
	"encoding/asn1"
	"testing"
)

func TestAccountRegInfo(t *testing.T) {
	ri, err := AccountRegInfo("demo-1", "s3cret:pw")
	if err != nil {
		t.Fatal(err)
	}
	m := &CertReqMsg{RegInfo: []AttributeTypeAndValue{ri}}
	pairs, err := m.UTF8Pairs()
	if err != nil || pairs[PairAccount] != "demo-1" || pairs[PairPassword] != "s3cret:pw" || len(pairs) != 2 {
		t.Fatalf("%v %v", pairs, err)
	}
	if _, err := AccountRegInfo("a%b", "x"); err == nil {
		t.Fatal("'%' accepted")
	}
	m.RegInfo = append(m.RegInfo, ri)
	if _, err := m.UTF8Pairs(); err == nil {
		t.Fatal("two accounts accepted")
	}
	for _, bad := range []string{"account?x", "?x%", "novalue%"} {
		der, _ := asn1.MarshalWithParams(bad, "utf8")
		m := &CertReqMsg{RegInfo: []AttributeTypeAndValue{{Type: OIDRegInfoUTF8Pairs, Value: asn1.RawValue{FullBytes: der, Tag: asn1.TagUTF8String}}}}
		if _, err := m.UTF8Pairs(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzUTF8Pairs(f *testing.F) {
	f.Add("account?a%password?b%")
	f.Add("a?%b?c%")
	f.Fuzz(func(t *testing.T, s string) {
		out := map[string]string{}
		if err := parseUTF8Pairs(s, out); err != nil {
			return
		}
		for k, v := range out {
			if k == "" || len(k)+len(v) > len(s) {
				t.Fatalf("%q: pair %q=%q", s, k, v)
			}
		}
	})
}
