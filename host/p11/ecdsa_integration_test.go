package p11_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestECDSASigner signs with a P-256 key that OpenSC's pkcs11-tool generated on the token (our key
// generation is RSA only, as TS-CNS cards are): CKM_ECDSA's r||s comes back as ASN.1 for crypto/ecdsa.
func TestECDSASigner(t *testing.T) {
	tool := testenv.Tool(t, "pkcs11-tool")
	e := newSoftEnv(t, testHolders[0])
	const id = "ec01"
	pkcs11Tool(t, tool, e, "--login", "--pin", string(testPIN), "--keypairgen", "--key-type", "EC:prime256v1",
		"--id", id, "--label", "ec test")
	tok := e.token(0)
	login(t, tok, testPIN)
	raw, _ := hex.DecodeString(id)
	s, err := tok.Signer(raw)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := s.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve.Params().Name != "P-256" {
		t.Fatalf("public key %T", s.Public())
	}
	d := sha256.Sum256([]byte("ecdsa"))
	sig, err := s.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(pub, d[:], sig) {
		t.Fatal("ECDSA signature does not verify")
	}
	d[0] ^= 1
	if ecdsa.VerifyASN1(pub, d[:], sig) {
		t.Fatal("ECDSA signature verifies a different digest")
	}
}
