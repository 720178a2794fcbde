// Package softcard provisions a SoftHSM2 token as a TS-CNS: the holder's authentication (CNS) key and
// certificate and signature key and certificate, generated on the token and certified by an Issuer.
// It is the PKCS#11 half of Ponte's virtual card (the PC/SC half is internal/testkit/virtualcard); the certificate DERs
// it writes out feed that half, so both show the same person.
package softcard

import (
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"strings"
)

// Holder is the person the card belongs to.
type Holder struct {
	Surname       string `json:"surname"`
	GivenName     string `json:"given_name"`
	CodiceFiscale string `json:"codice_fiscale"`
	CardID        string `json:"card_id"` // EF_IDCarta, 16 characters
}

// Validate checks the fields a card cannot do without.
func (h Holder) Validate() error {
	switch {
	case strings.TrimSpace(h.Surname) == "" || strings.TrimSpace(h.GivenName) == "":
		return fmt.Errorf("holder: surname and given name are required")
	case len(h.CodiceFiscale) != 16:
		return fmt.Errorf("holder: codice fiscale must have 16 characters, got %d", len(h.CodiceFiscale))
	case h.CardID == "" || len(h.CardID) > 16:
		return fmt.Errorf("holder: card id must have 1 to 16 characters")
	}
	return nil
}

// Label is the token label a real card shows: OpenSC's itacns driver labels a CNS token with the
// holder's "GIVEN SURNAME" from EF_DatiPersonali (pkcs15-itacns.c, get_name_from_EF_DatiPersonali),
// cut to the 32 characters of CK_TOKEN_INFO.label.
func (h Holder) Label() string {
	l := strings.ToUpper(strings.TrimSpace(h.GivenName) + " " + strings.TrimSpace(h.Surname))
	if len(l) > 32 {
		l = l[:32]
	}
	return l
}

var (
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidDNQualifier  = asn1.ObjectIdentifier{2, 5, 4, 46}
)

// Subject is the certificate subject of a TS-CNS holder. The CNS authentication certificate profile
// (AgID/CNIPA, "Profilo di certificato digitale per l'autenticazione mediante Carta Nazionale dei
// Servizi") puts in commonName the codice fiscale, a slash, the card identifier, a dot and a hash of the
// card identifier ("CF/IDCarta.hash"), with surname and givenName as separate attributes and the card
// identifier again in dnQualifier. The hash here is base64(SHA-1(card id)); the exact hash input of real
// cards was not verified.
func (h Holder) Subject() pkix.Name {
	sum := sha1.Sum([]byte(h.CardID))
	cn := h.CodiceFiscale + "/" + h.CardID + "." + base64.StdEncoding.EncodeToString(sum[:])
	return pkix.Name{
		Country:    []string{"IT"},
		CommonName: cn,
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oidSurname, Value: strings.ToUpper(h.Surname)},
			{Type: oidGivenName, Value: strings.ToUpper(h.GivenName)},
			// ETSI EN 319 412-1 §5.1.3 natural person semantics identifier: TIN, country, the tax code.
			{Type: oidSerialNumber, Value: "TINIT-" + h.CodiceFiscale},
			{Type: oidDNQualifier, Value: h.CardID},
		},
	}
}
