package softcard_test

import (
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/softcard"
)

// TestCardVariants: a CNS-only card has the authentication key and certificate and nothing for the
// signature (no cns1.der for the PC/SC half); SignatureKeyBits makes only the signature key that size.
func TestCardVariants(t *testing.T) {
	lib := softhsm(t)
	issuer, err := softcard.NewTestCA("Variants CA")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name               string
		cfg                softcard.Config
		authBits, signBits int // signBits 0: no signature certificate
	}{
		{"cns-only", softcard.Config{CNSOnly: true}, 2048, 0},
		{"weak-signature-key", softcard.Config{SignatureKeyBits: 1024}, 2048, 1024},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			m := emptyToken(t, dir)
			cfg := c.cfg
			cfg.Module, cfg.Holder, cfg.PIN, cfg.PUK, cfg.Issuer, cfg.OutDir = lib, holder, []byte("12345678"), []byte("87654321"), issuer.Issue, filepath.Join(dir, "out")
			card, err := softcard.Provision(m, cfg)
			if err != nil {
				t.Fatal(err)
			}
			bits := func(der []byte) int {
				x, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatal(err)
				}
				return x.PublicKey.(*rsa.PublicKey).N.BitLen()
			}
			if got := bits(card.AuthCert); got != c.authBits {
				t.Errorf("authentication key %d bits, want %d", got, c.authBits)
			}
			_, statErr := os.Stat(filepath.Join(cfg.OutDir, "cns1.der"))
			if c.signBits == 0 {
				if card.SignCert != nil || card.SignID != "" || statErr == nil {
					t.Errorf("a CNS-only card has a signature certificate (id %q, cns1.der: %v)", card.SignID, statErr)
				}
				return
			}
			if got := bits(card.SignCert); got != c.signBits || statErr != nil {
				t.Errorf("signature key %d bits, want %d (cns1.der: %v)", got, c.signBits, statErr)
			}
		})
	}
}
