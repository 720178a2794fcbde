package pageapi

import (
	"bytes"
	"crypto/x509"

	"github.com/ponte-it/ponte/internal/protocol"
)

// SignsWithAuthKey reports whether the card's certificate certID (the one a page's sign would use) has
// the authentication key: the same PKCS#11 id or the same public key as a cns certificate of the card.
// A card that keeps one key under both certificates would otherwise sign a page's digest with the
// CNS key through the signature role (a relayed TLS client login, issue 15); the consent window refuses
// it with AUTH_KEY_NOT_FOR_SIGNING. An unreadable signer's certificate counts as the same key (fail closed).
func SignsWithAuthKey(card *protocol.Card, certID string) bool {
	var signer *protocol.Certificate
	for i := range card.Certificates {
		if card.Certificates[i].ID == certID {
			signer = &card.Certificates[i]
		}
	}
	if signer == nil {
		return false
	}
	spki := func(der []byte) []byte {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil
		}
		return c.RawSubjectPublicKeyInfo
	}
	mine := spki(signer.DER)
	if mine == nil {
		return true
	}
	for i, c := range card.Certificates {
		if c.Role != "cns" || &card.Certificates[i] == signer {
			continue
		}
		if c.ID == certID || bytes.Equal(mine, spki(c.DER)) {
			return true
		}
	}
	return false
}
