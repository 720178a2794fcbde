package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ponte-it/ponte/internal/ca/hsm"
	"github.com/ponte-it/ponte/internal/ca/profile"
)

// The CA key lives either in DIR/ca-key.pem (the demo and the tests) or in a PKCS#11 token named by
// config.json's "pkcs11" (internal/ca/hsm): then no file in DIR holds it, and the token signs every
// certificate, CRL, OCSP response and CMP protection.

// OpenOptions are the choices of `ponte-ca serve` that config.json does not fix.
type OpenOptions struct {
	// DB overrides config.json's database (see DatabaseURL).
	DB string
	// PINFile overrides config.json's pkcs11.pinFile (e.g. a credential a service manager places).
	PINFile string
}

// caKey is the key `ponte-ca init` makes, with how to release or undo it.
type caKey struct {
	crypto.Signer
	token *hsm.Key // nil for a PEM key
}

// newCAKey makes the CA key: in the token when p is set, else in memory for DIR/ca-key.pem.
func newCAKey(p *hsm.Config) (*caKey, error) {
	if p == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return &caKey{Signer: k}, err
	}
	pin, err := hsm.ReadPINFile(p.PINFile)
	if err != nil {
		return nil, err
	}
	defer clear(pin)
	k, err := hsm.Generate(*p, pin)
	if err != nil {
		return nil, err
	}
	return &caKey{Signer: k, token: k}, nil
}

// discard undoes newCAKey after a failed init: a key made in the token is destroyed (no orphan key).
func (k *caKey) discard() {
	if k.token != nil {
		k.token.Destroy()
	}
	k.close()
}

func (k *caKey) close() {
	if k.token != nil {
		k.token.Close()
	}
}

// writeCA writes a new CA's files; the certificate last, so that a failed init leaves no ca.pem and
// can be run again.
func writeCA(dir string, cfg *Config, key *caKey, o InitOptions) error {
	if err := os.MkdirAll(filepath.Join(dir, ProfilesDir), 0o755); err != nil {
		return err
	}
	certDER, err := selfSigned(key, o.Name, o.ValidityYears, time.Now())
	if err != nil {
		return err
	}
	if key.token == nil {
		keyDER, err := x509.MarshalPKCS8PrivateKey(key.Signer)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), cfg.Marshal(), 0o644); err != nil {
		return err
	}
	for _, p := range profile.Defaults(o.DemoIRSecret, time.Now()) {
		if err := os.WriteFile(filepath.Join(dir, ProfilesDir, p.Name+".json"), p.Marshal(), 0o600); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}), 0o644)
}

func pinFileOf(p *hsm.Config) string {
	if p == nil {
		return ""
	}
	return p.PINFile
}

// loadKey opens the CA key named by the configuration and checks it matches the CA certificate.
func (c *CA) loadKey(o OpenOptions) error {
	it, en := KeyFile, KeyFile
	if p := c.Config.PKCS11; p == nil {
		s, err := readSigner(filepath.Join(c.Dir, KeyFile))
		if err != nil {
			return err
		}
		c.Key = s
	} else {
		cfg := *p
		if o.PINFile != "" {
			cfg.PINFile = o.PINFile
		}
		pin, err := hsm.ReadPINFile(cfg.PINFile)
		if err != nil {
			return err
		}
		k, err := hsm.Open(cfg, pin)
		clear(pin)
		if err != nil {
			return err
		}
		c.Key, c.token = k, k
		it, en = fmt.Sprintf("la chiave %q del token %q", cfg.Label, cfg.Token), fmt.Sprintf("the key %q of token %q", cfg.Label, cfg.Token)
	}
	if !publicKeysEqual(c.Key.Public(), c.Cert.PublicKey) {
		c.closeKey()
		return fmt.Errorf("%s non corrisponde a %s / %s does not match %s", it, CertFile, en, CertFile)
	}
	return nil
}

func (c *CA) closeKey() {
	if c.token != nil {
		c.token.Close()
		c.token = nil
	}
}
