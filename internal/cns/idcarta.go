package cns

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
)

// EF_IDCarta (3F00/1000/1003) holds the card identifier, 16 bytes on CNS cards; OpenSC uses it as the
// token serial number (pkcs15-itacns.c).
const (
	IDCartaLen    = 16
	maxIDCartaLen = 32
)

// ParseIDCarta returns the card id: its text when the bytes are printable ASCII (padding of 0x00, 0xFF or
// spaces at the end is dropped), otherwise upper-case hex of the bytes.
func ParseIDCarta(b []byte) (string, error) {
	t := bytes.TrimRight(b, "\x00\xff ")
	if len(t) == 0 {
		return "", newError(ErrIDCartaMalformed, "EF_IDCarta vuoto", "EF_IDCarta is empty")
	}
	if len(b) > maxIDCartaLen {
		return "", newError(ErrIDCartaMalformed, "EF_IDCarta troppo lungo (%d byte, attesi %d)",
			"EF_IDCarta too long (%d bytes, %d expected)", len(b), IDCartaLen)
	}
	for _, c := range t {
		if c < 0x20 || c > 0x7E {
			return ATRString(b), nil
		}
	}
	return string(t), nil
}

// EncodeIDCarta writes a card id of printable ASCII (at most 32 characters; 16 on real cards).
func EncodeIDCarta(id string) ([]byte, error) {
	if id == "" || len(id) > maxIDCartaLen || strings.TrimRight(id, " ") != id {
		return nil, newError(ErrNotEncodable, "identificativo della carta non valido: da 1 a 32 caratteri, senza spazi finali",
			"invalid card id: 1 to 32 characters, no trailing spaces")
	}
	for _, c := range []byte(id) {
		if c < 0x20 || c > 0x7E {
			return nil, newError(ErrNotEncodable, "identificativo della carta non valido: solo caratteri ASCII stampabili",
				"invalid card id: printable ASCII characters only")
		}
	}
	return []byte(id), nil
}

// CardIDFromSubject returns the card identifier a CNS authentication certificate names, for a card
// reached only through PKCS#11 (its EF_IDCarta not read). The CNS certificate profile (AgID/CNIPA,
// "Profilo di certificato digitale per l'autenticazione mediante Carta Nazionale dei Servizi") puts it
// in dnQualifier (2.5.4.46) and in commonName as "CF/IDCarta.hash"; dnQualifier is preferred. The same
// identifier is what OpenSC reports as the token serial of a real card (pkcs15-itacns.c), so a card
// keeps one ID whichever way the host reached it. ok is false when the subject names none.
func CardIDFromSubject(s pkix.Name) (id string, ok bool) {
	for _, n := range s.Names {
		if v, isText := n.Value.(string); isText && n.Type.Equal(oidDNQualifier) && validCardID(v) {
			return v, true
		}
	}
	cf, rest, found := strings.Cut(s.CommonName, "/")
	if !found || CheckCodiceFiscale(cf) != nil {
		return "", false
	}
	id, _, found = strings.Cut(rest, ".")
	if !found || !validCardID(id) {
		return "", false
	}
	return id, true
}

var oidDNQualifier = asn1.ObjectIdentifier{2, 5, 4, 46}

// validCardID accepts what ParseIDCarta can return: printable ASCII without spaces, at most
// maxIDCartaLen characters.
func validCardID(s string) bool {
	if s == "" || len(s) > maxIDCartaLen {
		return false
	}
	for _, c := range []byte(s) {
		if c <= 0x20 || c > 0x7E || c == '/' {
			return false
		}
	}
	return true
}
