package dn

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, want string // want: RFC 4514 string of the parsed DER
	}{
		{"/C=IT/O=Ponte/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U", "SERIALNUMBER=TINIT-RSSMRA80A01H501U,CN=MARIO ROSSI,O=Ponte,C=IT"},
		{"SERIALNUMBER=TINIT-RSSMRA80A01H501U,CN=MARIO ROSSI,O=Ponte,C=IT", "SERIALNUMBER=TINIT-RSSMRA80A01H501U,CN=MARIO ROSSI,O=Ponte,C=IT"},
		{`CN=Rossi\, Mario,O=A\+B,C=IT`, `CN=Rossi\, Mario,O=A\+B,C=IT`},
		{`/CN=a\/b/O=x`, `O=x,CN=a/b`},
		{"CN=Nicolò,2.5.4.10=Comune", "CN=Nicolò,O=Comune"},
		{"/CN=a+serialNumber=1", "CN=a+SERIALNUMBER=1"},
	}
	for _, c := range cases {
		der, err := Marshal(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var seq pkix.RDNSequence
		if _, err := asn1.Unmarshal(der, &seq); err != nil {
			t.Fatal(err)
		}
		if got := seq.String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "/CN", "CN=", "XX=1", "/C=I*T", `CN=a\`, "1.2.x=3", "CN=#zz",
		"C=#0C0180", "CN=#130121", "CN=#16018a", "CN=#120141", "CN=#1E0141", "CN=#1C0141"} { // hex values whose content breaks their string type
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"/C=IT/CN=x", "CN=a\\,b,O=c+OU=d", "CN=#0c0161", "/2.5.4.3=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		der, err := Marshal(s)
		if err != nil {
			return
		}
		var seq pkix.RDNSequence
		if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
			t.Fatalf("%q: DER does not parse back: %v", s, err)
		}
	})
}
