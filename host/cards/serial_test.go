package cards_test

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
)

// TestCommandsRefuseAnotherTokenSerial: a command that names a token serial the reader does not hold (a
// card swapped between two commands of a renewal) is refused as a removed card — retriable — and changes
// nothing: no key made, no certificate written or removed, nothing signed. The same commands naming the
// token in the reader go through.
func TestCommandsRefuseAnotherTokenSerial(t *testing.T) {
	h, sc, ca := startHost(t)
	c := ctx(t)
	card := hostcard.New(h, sc.Serial)
	if _, err := card.Login(c, protocol.Secret("12345678")); err != nil {
		t.Fatal(err)
	}
	info, err := card.Info(c)
	if err != nil || info.Token == nil || info.Token.Serial == "" {
		t.Fatalf("token: %+v %v", info, err)
	}
	auth := find(t, info, "cns")
	x, _ := x509.ParseCertificate(auth.DER)
	digest := sha256.Sum256([]byte("Ponte"))
	other := card.OnToken(info.Token.Serial + "0") // the card that was in the reader before the swap

	refused := func(what string, err error) {
		t.Helper()
		var perr *protocol.Error
		if code(err) != protocol.ErrCardRemoved || !errors.As(err, &perr) || !perr.Retriable {
			t.Errorf("%s on another token: %v, want CARD_REMOVED (retriable)", what, err)
		}
	}
	_, _, err = other.GenerateKey(c, 2048, "ponte-swapped", false)
	refused("generate-key", err)
	_, err = other.Signer(c, auth.ID, x.PublicKey, nil).Sign(nil, digest[:], crypto.SHA256)
	refused("sign", err)
	refused("delete-objects", other.DeleteObjects(c, protocol.DeleteObjects{Key: auth.ID, Certificate: auth.DER}))
	refused("delete-objects by label", other.DeleteObjects(c, protocol.DeleteObjects{Label: "ponte-swapped"}))

	held := card.OnToken(info.Token.Serial)
	// The refused keygen made nothing: there is no pair with its label to remove.
	if err := held.DeleteObjects(c, protocol.DeleteObjects{Label: "ponte-swapped"}); code(err) != protocol.ErrNoSuchObject {
		t.Fatalf("after the refused generate-key, delete by its label: %v (want NO_SUCH_OBJECT)", err)
	}
	id, pub, err := held.GenerateKey(c, 2048, "ponte-held", false)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.Issue(pub, pkix.Name{CommonName: "RSSMRA80A01H501U/8038000000000001"}, softcard.RoleAuthentication)
	if err != nil {
		t.Fatal(err)
	}
	refused("write-certificate", other.WriteCertificate(c, id, "CNS0", der))
	if after, _ := card.Info(c); len(after.Certificates) != len(info.Certificates) {
		t.Fatalf("a refused write changed the card: %d certificates, %d before", len(after.Certificates), len(info.Certificates))
	}
	if err := held.WriteCertificate(c, id, "CNS0", der); err != nil {
		t.Fatalf("write-certificate on the token in the reader: %v", err)
	}
	if _, err := held.Signer(c, auth.ID, x.PublicKey, nil).Sign(nil, digest[:], crypto.SHA256); err != nil {
		t.Fatalf("sign on the token in the reader: %v", err)
	}
	if err := held.DeleteObjects(c, protocol.DeleteObjects{Key: id, Certificate: der, PrivateKey: true, PublicKey: true}); err != nil {
		t.Fatal(err)
	}
	if after, _ := card.Info(c); len(after.Certificates) != len(info.Certificates) || find(t, after, "cns").ID != auth.ID {
		t.Fatalf("the card after the test: %+v", after.Certificates)
	}
}
