//go:build cgo

package hsm_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/hsm"
	"github.com/ponte-it/ponte/internal/testkit/hsmtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestReadPINFile: one trailing newline is not part of the PIN; an empty, oversized, missing or
// world-readable file is refused with a message naming the problem.
func TestReadPINFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		content string
		mode    os.FileMode
		want    string // the PIN, or a piece of the error
		ok      bool
	}{
		{"1234\n", 0o600, "1234", true},
		{"1234\r\n", 0o400, "1234", true},
		{"12 34", 0o640, "12 34", true},
		{"1234\n\n", 0o600, "1234\n", true},
		{"\n", 0o600, "is empty", false},
		{"1234", 0o644, "readable by anyone", false},
		{strings.Repeat("9", 300), 0o600, "too large", false},
	} {
		p := filepath.Join(dir, fmt.Sprintf("pin-%o-%d", c.mode, len(c.content)))
		os.WriteFile(p, []byte(c.content), 0o600)
		os.Chmod(p, c.mode)
		pin, err := hsm.ReadPINFile(p)
		if c.ok && (err != nil || string(pin) != c.want) || !c.ok && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q mode %o: %q %v", c.content, c.mode, pin, err)
		}
	}
	if _, err := hsm.ReadPINFile(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "PIN file not readable") {
		t.Errorf("missing file: %v", err)
	}
}

// TestKeyInToken: Generate makes a key the token keeps (CKA_VALUE sensitive), refuses a second key
// under the same label, signs correctly from many goroutines at once through its sessions, fails
// cleanly after Close; Open finds it again; Destroy leaves the token without it; and Open refuses a key
// that pkcs11-tool made extractable.
func TestKeyInToken(t *testing.T) {
	tok := hsmtest.New(t)
	cfg := hsm.Config{Module: tok.Module, Token: tok.Label, PINFile: tok.PINFile, Label: "ca"}
	k, err := hsm.Generate(cfg, []byte(hsmtest.PIN))
	if err != nil {
		t.Fatal(err)
	}
	pub := k.Public().(*ecdsa.PublicKey)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				d := sha256.Sum256(fmt.Appendf(nil, "%d/%d", g, i))
				sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
				if err == nil && !ecdsa.VerifyASN1(pub, d[:], sig) {
					err = fmt.Errorf("signature %d/%d does not verify", g, i)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("after close"))
	if _, err := k.Sign(rand.Reader, d[:], crypto.SHA256); err == nil {
		t.Fatal("signed after Close")
	}
	if err := k.Destroy(); err == nil {
		t.Fatal("destroyed through a closed key")
	}
	tok.CheckSensitive(t, "ca") // a module is initialised once per process: only after Close

	if _, err := hsm.Generate(cfg, []byte(hsmtest.PIN)); err == nil || !strings.Contains(err.Error(), "already holds a key") {
		t.Fatalf("second key under one label: %v", err)
	}
	k, err = hsm.Open(cfg, []byte(hsmtest.PIN))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("Open found another key")
	}
	if err := k.Destroy(); err != nil {
		t.Fatal(err)
	}
	k.Close()
	if _, err := hsm.Open(cfg, []byte(hsmtest.PIN)); err == nil || !strings.Contains(err.Error(), "0 private and 0 public keys") {
		t.Fatalf("Open after Destroy: %v", err)
	}

	out, err := exec.Command(testenv.Tool(t, "pkcs11-tool"), "--module", tok.Module, "--token-label", tok.Label, "--login", "--pin", hsmtest.PIN,
		"--keypairgen", "--key-type", "EC:prime256v1", "--label", "loose", "--extractable").CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	cfg.Label = "loose"
	if _, err := hsm.Open(cfg, []byte(hsmtest.PIN)); err == nil || !strings.Contains(err.Error(), "not fit for a CA") {
		t.Fatalf("an extractable key was accepted: %v", err)
	}
}
