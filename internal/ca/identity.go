package ca

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"unicode"

	"github.com/ponte-it/ponte/internal/cns"
)

var (
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
)

// identities are the holder identities a subject names: the codici fiscali found in its serialNumber
// (ETSI EN 319 412-1 §5.1.3 "TINIT-<CF>", CNS "IT:<CF>") and commonName ("<CF>/<card id>" on a CNS)
// attributes, upper-case; a serialNumber that carries no codice fiscale counts as itself. readable is
// false when one of these attributes is in a string type encoding/asn1 does not decode (UniversalString,
// VisibleString, ...) or is not plain: its identity cannot be known, and a certificate would still show it.
func identities(names []pkix.AttributeTypeAndValue) (ids map[string]bool, readable bool) {
	ids, readable = map[string]bool{}, true
	for _, n := range names {
		isSerial := n.Type.Equal(oidSerialNumber)
		if !isSerial && !n.Type.Equal(oidCommonName) {
			continue
		}
		v, ok := n.Value.(string)
		readable = readable && ok && plain(v)
		found := false
		for _, tok := range strings.FieldsFunc(strings.ToUpper(v), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(tok) == 16 && cns.CheckCodiceFiscale(tok) == nil {
				ids[tok], found = true, true
			}
		}
		if isSerial && !found && v != "" {
			ids[strings.ToUpper(v)] = true
		}
	}
	return ids, readable
}

// plain reports whether v has only printable ASCII and Latin letters (U+00C0–U+024F: "NICOLÒ"): no
// full-width forms, combining marks, zero-width or other-script characters that let a string look like
// a codice fiscale it does not contain (or hide one it does).
func plain(v string) bool {
	for _, r := range v {
		if (r >= 0x80 || !unicode.IsPrint(r)) && (r < 0xC0 || r > 0x24F || !unicode.IsLetter(r)) {
			return false
		}
	}
	return true
}

// subjectNames reads the attributes of a DER Name.
func subjectNames(der []byte) ([]pkix.AttributeTypeAndValue, bool) {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return nil, false
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdns)
	return n.Names, true
}

// sameHolder reports whether the requested subject names only identities of the signer (and at least
// one): an ir authorised by a signature is for the signer's own person (docs/ca-profiles.md).
func sameHolder(signer []pkix.AttributeTypeAndValue, requested []byte) bool {
	own, _ := identities(signer)
	names, ok := subjectNames(requested)
	if !ok || len(own) == 0 {
		return false
	}
	asked, readable := identities(names)
	if !readable {
		return false
	}
	for id := range asked {
		if !own[id] {
			return false
		}
	}
	return len(asked) > 0
}
