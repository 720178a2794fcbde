package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
)

func writeKey(t *testing.T, path string, k crypto.Signer) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}
