package p11_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func cardKeyID(t *testing.T, hexID string) []byte {
	t.Helper()
	id, err := hex.DecodeString(hexID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSignAndVerify(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	login(t, tok, testPIN)
	s, err := tok.Signer(cardKeyID(t, e.cards[0].AuthID))
	if err != nil {
		t.Fatal(err)
	}
	if s.AlwaysAuth {
		t.Fatal("the authentication key should not need a context-specific login")
	}
	cert, err := x509.ParseCertificate(e.cards[0].AuthCert)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.PublicKey.(*rsa.PublicKey).Equal(s.Public()) {
		t.Fatal("signer public key differs from the certificate's")
	}
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	msg := []byte("Ponte: firma di prova")

	cases := []struct {
		name string
		opts crypto.SignerOpts
		ossl []string // openssl pkeyutl options
	}{
		{"pkcs1-sha256", crypto.SHA256, []string{"-pkeyopt", "digest:sha256"}},
		{"pkcs1-sha384", crypto.SHA384, []string{"-pkeyopt", "digest:sha384"}},
		{"pkcs1-sha512", crypto.SHA512, []string{"-pkeyopt", "digest:sha512"}},
		{"pss-sha256", &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash},
			[]string{"-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"}},
		{"pss-sha512", &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthEqualsHash},
			[]string{"-pkeyopt", "digest:sha512", "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.opts.HashFunc().New()
			h.Write(msg)
			digest := h.Sum(nil)
			sig, err := s.Sign(rand.Reader, digest, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			pub := s.Public().(*rsa.PublicKey)
			if pss, ok := c.opts.(*rsa.PSSOptions); ok {
				err = rsa.VerifyPSS(pub, c.opts.HashFunc(), digest, sig, pss)
			} else {
				err = rsa.VerifyPKCS1v15(pub, c.opts.HashFunc(), digest, sig)
			}
			if err != nil {
				t.Fatalf("crypto/rsa rejects the card's signature: %v", err)
			}
			digestFile, sigFile := filepath.Join(dir, c.name+".dgst"), filepath.Join(dir, c.name+".sig")
			writeFile(t, digestFile, digest)
			writeFile(t, sigFile, sig)
			args := append([]string{"pkeyutl", "-verify", "-certin", "-inkey", certFile, "-in", digestFile, "-sigfile", sigFile}, c.ossl...)
			out, err := exec.Command(openssl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl pkeyutl -verify: %v\n%s", err, out)
			}
			// The check must be able to fail: a flipped bit is refused.
			sig[len(sig)/2] ^= 1
			writeFile(t, sigFile, sig)
			if out, err := exec.Command(openssl, args...).CombinedOutput(); err == nil {
				t.Fatalf("openssl accepted a corrupted signature:\n%s", out)
			}
		})
	}
}

func TestSignatureKeyNeedsContextLogin(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	login(t, tok, testPIN)
	s, err := tok.Signer(cardKeyID(t, e.cards[0].SignID))
	if err != nil {
		t.Fatal(err)
	}
	if !s.AlwaysAuth {
		t.Fatal("the signature key should carry CKA_ALWAYS_AUTHENTICATE")
	}
	digest := make([]byte, 32)
	if _, err := s.Sign(nil, digest, crypto.SHA256); !errors.Is(err, p11.ErrNotLoggedIn) {
		t.Fatalf("no PIN for the signature key: %v", err)
	}
	s.PIN = func() ([]byte, error) { return []byte("00000"), nil }
	if _, err := s.Sign(nil, digest, crypto.SHA256); !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("wrong context PIN: %v", err)
	}
	asked := 0
	s.PIN = func() ([]byte, error) { asked++; return append([]byte{}, testPIN...), nil }
	for range 2 {
		sig, err := s.Sign(nil, digest, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(s.Public().(*rsa.PublicKey), crypto.SHA256, digest, sig); err != nil {
			t.Fatal(err)
		}
	}
	if asked != 2 {
		t.Fatalf("PIN asked %d times for 2 signatures, want once per signature", asked)
	}
}

func TestSignNeedsLogin(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	// Private keys are invisible before login, as on a card: the PIN is asked, the key is not "missing".
	if _, err := tok.Signer(cardKeyID(t, e.cards[0].AuthID)); !errors.Is(err, p11.ErrNotLoggedIn) {
		t.Fatalf("signer before login: %v", err)
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
