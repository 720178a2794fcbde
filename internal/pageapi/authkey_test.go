package pageapi

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/pki"
)

func certDER(t *testing.T, key crypto.Signer, ku x509.KeyUsage) []byte {
	t.Helper()
	return pki.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ROSSI MARIO"},
		NotAfter: time.Now().Add(time.Hour), KeyUsage: ku}, key, nil).Cert().Raw
}

// The auditor's attack (issue 15): a card that keeps the authentication key under a nonRepudiation
// certificate too. sign with role "signature" would then sign a page's digest with the CNS key.
func TestSignsWithAuthKey(t *testing.T) {
	auth, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sig, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cns := protocol.Certificate{ID: "01", Role: "cns", DER: certDER(t, auth, x509.KeyUsageDigitalSignature)}
	for name, c := range map[string]struct {
		sig  protocol.Certificate
		want bool
	}{
		"own key":                   {protocol.Certificate{ID: "02", Role: "signature", DER: certDER(t, sig, x509.KeyUsageContentCommitment)}, false},
		"the cns key, another id":   {protocol.Certificate{ID: "02", Role: "signature", DER: certDER(t, auth, x509.KeyUsageContentCommitment)}, true},
		"the cns id":                {protocol.Certificate{ID: "01", Role: "signature", DER: certDER(t, sig, x509.KeyUsageContentCommitment)}, true},
		"unreadable (fails closed)": {protocol.Certificate{ID: "02", Role: "signature", DER: []byte{0x30}}, true},
	} {
		card := &protocol.Card{Certificates: []protocol.Certificate{cns, c.sig}}
		if got := SignsWithAuthKey(card, c.sig.ID); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	if SignsWithAuthKey(&protocol.Card{Certificates: []protocol.Certificate{cns}}, "09") {
		t.Error("a certificate not on the card")
	}
}
