package ca

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

// rawAttr is an attribute whose value has the given universal tag, bytes as they are.
func rawAttr(oid asn1.ObjectIdentifier, tag int, value []byte) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oid, Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: value}}
}

// TestSameHolderEncodings: the requested subject of an ir authorised by a signature may name no other
// codice fiscale than the signer's, however it is encoded: a serialNumber or commonName in a string type
// the parser does not read (UniversalString, VisibleString) is refused, not skipped.
func TestSameHolderEncodings(t *testing.T) {
	const own, other = "RSSMRA80A01H501U", "BNCGNN75C41F205H"
	signer := []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}}
	ucs4 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, 0, 0, 0, byte(r))
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		attrs []pkix.AttributeTypeAndValue
		want  bool
	}{
		{"own", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}}, true},
		{"own lower-case", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "tinit-" + "rssmra80a01h501u"}}, true},
		{"other", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + other}}, false},
		{"two serialNumbers", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidSerialNumber, Value: "TINIT-" + other}}, false},
		{"other in commonName", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: other + "/1234"}}, false},
		{"other as UniversalString", []pkix.AttributeTypeAndValue{{Type: oidCommonName, Value: own}, rawAttr(oidSerialNumber, 28, ucs4("TINIT-"+other))}, false},
		{"other as VisibleString", []pkix.AttributeTypeAndValue{{Type: oidCommonName, Value: own}, rawAttr(oidSerialNumber, 26, []byte("TINIT-"+other))}, false},
		{"commonName as UniversalString", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, rawAttr(oidCommonName, 28, ucs4(other))}, false},
		{"none", []pkix.AttributeTypeAndValue{{Type: oidCommonName, Value: "MARIO ROSSI"}}, false},
		{"accented name", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: "NICOLÒ D'AMICO"}}, true},
		// Look-alikes of another codice fiscale a person reads as such: full-width letters, a combining
		// mark or a zero-width space splitting it, a Cyrillic letter in it.
		{"other full-width", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: "ＢＮＣＧＮＮ７５Ｃ４１Ｆ２０５Ｈ"}}, false},
		{"other with a combining mark", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: "BNCGNN75\u0301C41F205H"}}, false},
		{"other with a zero-width space", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: "BNCGNN75\u200bC41F205H"}}, false},
		{"other with a Cyrillic letter", []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: "TINIT-" + own}, {Type: oidCommonName, Value: "BNCGNN75\u042141F205H"}}, false},
	} {
		var rdns pkix.RDNSequence
		for _, a := range tc.attrs {
			rdns = append(rdns, pkix.RelativeDistinguishedNameSET{a})
		}
		der, err := asn1.Marshal(rdns)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameHolder(signer, der); got != tc.want {
			t.Errorf("%s: sameHolder = %v, want %v", tc.name, got, tc.want)
		}
	}
}
