// Package dn parses a distinguished name typed by an operator, in OpenSSL's "/CN=.../serialNumber=..."
// form (openssl req -subj) or in RFC 4514 form ("CN=...,serialNumber=..."), into an X.501 Name
// (RFC 5280 §4.1.2.4). Attribute names are those of RFC 4519 and RFC 5280 Appendix A plus the ones
// Italian CNS subjects use (serialNumber with the fiscal code, givenName, surname, dnQualifier); any other
// attribute may be given as a dotted OID.
package dn

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// attributes maps the accepted names (lower case) to their OIDs (RFC 4519 §2, RFC 5280 Appendix A,
// PKCS #9 for emailAddress, X.520 for organizationIdentifier).
var attributes = map[string]asn1.ObjectIdentifier{
	"cn": {2, 5, 4, 3}, "commonname": {2, 5, 4, 3},
	"sn": {2, 5, 4, 4}, "surname": {2, 5, 4, 4},
	"serialnumber": {2, 5, 4, 5},
	"c":            {2, 5, 4, 6}, "countryname": {2, 5, 4, 6},
	"l": {2, 5, 4, 7}, "localityname": {2, 5, 4, 7},
	"st": {2, 5, 4, 8}, "stateorprovincename": {2, 5, 4, 8},
	"street": {2, 5, 4, 9},
	"o":      {2, 5, 4, 10}, "organizationname": {2, 5, 4, 10},
	"ou": {2, 5, 4, 11}, "organizationalunitname": {2, 5, 4, 11},
	"title": {2, 5, 4, 12},
	"gn":    {2, 5, 4, 42}, "givenname": {2, 5, 4, 42},
	"initials":               {2, 5, 4, 43},
	"dnqualifier":            {2, 5, 4, 46},
	"pseudonym":              {2, 5, 4, 65},
	"organizationidentifier": {2, 5, 4, 97},
	"emailaddress":           {1, 2, 840, 113549, 1, 9, 1},
	"uid":                    {0, 9, 2342, 19200300, 100, 1, 1},
	"dc":                     {0, 9, 2342, 19200300, 100, 1, 25},
}

// printable are the attributes X.520 defines as PrintableString only.
var printable = map[string]bool{"2.5.4.6": true, "2.5.4.5": true, "2.5.4.46": true}

// Parse reads a DN in either form: a leading "/" selects the OpenSSL form, anything else RFC 4514.
// The result is in X.501 order (most significant RDN first).
func Parse(s string) (pkix.RDNSequence, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("nome distinto vuoto / empty distinguished name")
	}
	if strings.HasPrefix(s, "/") {
		return parse(s[1:], '/', false)
	}
	return parse(s, ',', true)
}

// Marshal parses a DN and returns its DER.
func Marshal(s string) ([]byte, error) {
	seq, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(seq)
}

// parse splits on sep and '+' honouring backslash escapes (both forms use them), then reverses the RDNs
// for RFC 4514, whose string form lists the least significant RDN first (RFC 4514 §2.1).
func parse(s string, sep byte, rfc4514 bool) (pkix.RDNSequence, error) {
	var seq pkix.RDNSequence
	var rdn pkix.RelativeDistinguishedNameSET
	var cur strings.Builder
	flush := func(endRDN bool) error {
		atv, err := attribute(cur.String(), rfc4514)
		if err != nil {
			return err
		}
		cur.Reset()
		rdn = append(rdn, atv)
		if endRDN {
			seq = append(seq, rdn)
			rdn = nil
		}
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("nome distinto: '\\' finale / distinguished name: trailing '\\'")
			}
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == sep:
			if err := flush(true); err != nil {
				return nil, err
			}
		case c == '+':
			if err := flush(false); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if err := flush(true); err != nil {
		return nil, err
	}
	if rfc4514 {
		for i, j := 0, len(seq)-1; i < j; i, j = i+1, j-1 {
			seq[i], seq[j] = seq[j], seq[i]
		}
	}
	return seq, nil
}

func attribute(s string, rfc4514 bool) (pkix.AttributeTypeAndValue, error) {
	var atv pkix.AttributeTypeAndValue
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return atv, fmt.Errorf("nome distinto: %q non è nella forma tipo=valore / distinguished name: %q is not type=value", s, s)
	}
	k = strings.TrimSpace(k)
	if rfc4514 {
		v = strings.TrimSpace(v)
	}
	oid, err := attributeType(k)
	if err != nil {
		return atv, err
	}
	if strings.HasPrefix(v, "#") && rfc4514 {
		// RFC 4514 §2.4: a hex-encoded BER value.
		der, err := hex.DecodeString(v[1:])
		if err != nil {
			return atv, fmt.Errorf("nome distinto: valore esadecimale non valido per %s / distinguished name: bad hex value for %s", k, k)
		}
		var rv asn1.RawValue
		if rest, err := asn1.Unmarshal(der, &rv); err != nil || len(rest) > 0 || !directoryString(rv) {
			return atv, fmt.Errorf("nome distinto: valore BER non valido per %s (serve una stringa) / distinguished name: bad BER value for %s (a string is required)", k, k)
		}
		return pkix.AttributeTypeAndValue{Type: oid, Value: rv}, nil
	}
	val, err := unescape(v)
	if err != nil {
		return atv, err
	}
	if !utf8.ValidString(val) {
		return atv, fmt.Errorf("nome distinto: %s non è UTF-8 valido / distinguished name: %s is not valid UTF-8", k, k)
	}
	if val == "" {
		return atv, fmt.Errorf("nome distinto: valore vuoto per %s / distinguished name: empty value for %s", k, k)
	}
	if printable[oid.String()] {
		if !isPrintable(val) {
			return atv, fmt.Errorf("nome distinto: %s ammette solo caratteri PrintableString / distinguished name: %s allows only PrintableString characters", k, k)
		}
		return pkix.AttributeTypeAndValue{Type: oid, Value: asn1.RawValue{Tag: asn1.TagPrintableString, Bytes: []byte(val)}}, nil
	}
	return pkix.AttributeTypeAndValue{Type: oid, Value: asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(val)}}, nil
}

func attributeType(k string) (asn1.ObjectIdentifier, error) {
	if oid, ok := attributes[strings.ToLower(k)]; ok {
		return oid, nil
	}
	var oid asn1.ObjectIdentifier
	parts := strings.Split(strings.TrimPrefix(strings.ToLower(k), "oid."), ".")
	if len(parts) >= 2 {
		for _, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || len(p) > 9 {
				oid = nil
				break
			}
			oid = append(oid, n)
		}
		if oid != nil && oid[0] <= 2 && (oid[0] == 2 || oid[1] < 40) {
			return oid, nil
		}
	}
	return nil, fmt.Errorf("nome distinto: attributo sconosciuto %q / distinguished name: unknown attribute %q", k, k)
}

// unescape resolves "\c" and "\hh" (RFC 4514 §2.4 / §3).
func unescape(v string) (string, error) {
	if !strings.Contains(v, `\`) {
		return v, nil
	}
	var b []byte
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b = append(b, v[i])
			continue
		}
		if i+2 < len(v)+0 && isHex(v[i+1]) && i+2 < len(v) && isHex(v[i+2]) {
			x, _ := hex.DecodeString(v[i+1 : i+3])
			b = append(b, x[0])
			i += 2
			continue
		}
		if i+1 >= len(v) {
			return "", errors.New("nome distinto: '\\' finale / distinguished name: trailing '\\'")
		}
		b = append(b, v[i+1])
		i++
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// isPrintable: the PrintableString alphabet, X.680 §41.4.
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" '()+,-./:=?", c) >= 0) {
			return false
		}
	}
	return true
}

// directoryString reports whether a hex-given value is one of the string types X.520 attributes take
// (DirectoryString and the PrintableString/IA5String of C, serialNumber, emailAddress; RFC 5280 §4.1.2.4)
// with content valid for its type (X.680 §41: UTF-8, the PrintableString and NumericString alphabets,
// IA5 = 7-bit, BMP = 2 and Universal = 4 bytes a character): anything else (a time, a SEQUENCE, a
// UTF8String that is not UTF-8) would make a certificate subject other tools cannot read back.
func directoryString(rv asn1.RawValue) bool {
	if rv.Class != asn1.ClassUniversal || rv.IsCompound {
		return false
	}
	b := rv.Bytes
	switch rv.Tag {
	case asn1.TagUTF8String:
		return utf8.Valid(b)
	case asn1.TagPrintableString:
		return isPrintable(string(b))
	case asn1.TagNumericString:
		return strings.Trim(string(b), "0123456789 ") == ""
	case asn1.TagIA5String:
		return strings.IndexFunc(string(b), func(r rune) bool { return r >= utf8.RuneSelf }) < 0
	case asn1.TagT61String:
		return true
	case asn1.TagBMPString:
		return len(b)%2 == 0
	case 28: // UniversalString
		return len(b)%4 == 0
	}
	return false
}
