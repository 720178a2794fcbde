package cns

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestCardIDFromSubject(t *testing.T) {
	dnq := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 46}, Value: v}
	}
	for _, tc := range []struct {
		name  string
		subj  pkix.Name
		want  string
		found bool
	}{
		{"dnQualifier", pkix.Name{CommonName: "whatever", Names: []pkix.AttributeTypeAndValue{dnq("8038000000000001")}}, "8038000000000001", true},
		{"commonName CF/IDCarta.hash", pkix.Name{CommonName: "RSSMRA80A01H501U/8038000000000001.5YzF3mR3oIiGeRGPOZNa5DnPW5A="}, "8038000000000001", true},
		{"dnQualifier wins", pkix.Name{CommonName: "RSSMRA80A01H501U/1111111111111111.x", Names: []pkix.AttributeTypeAndValue{dnq("8038000000000001")}}, "8038000000000001", true},
		{"bad dnQualifier falls back to commonName", pkix.Name{CommonName: "RSSMRA80A01H501U/8038000000000001.x", Names: []pkix.AttributeTypeAndValue{dnq("has space")}}, "8038000000000001", true},
		{"not a codice fiscale", pkix.Name{CommonName: "ROSSI/8038000000000001.x"}, "", false},
		{"no hash part", pkix.Name{CommonName: "RSSMRA80A01H501U/8038000000000001"}, "", false},
		{"plain name", pkix.Name{CommonName: "Mario Rossi"}, "", false},
		{"empty", pkix.Name{}, "", false},
	} {
		got, ok := CardIDFromSubject(tc.subj)
		if got != tc.want || ok != tc.found {
			t.Errorf("%s: got %q %v, want %q %v", tc.name, got, ok, tc.want, tc.found)
		}
	}
}
