// Package hsmtest gives tests a private SoftHSM2 token for a CA key and checks, through the token
// itself, that a key cannot leave it. Only tests import it.
package hsmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// PIN is the test tokens' user PIN (never a real secret).
const PIN = "246810"

// Token is an initialised token in a private SoftHSM2 store.
type Token struct {
	Module  string // libsofthsm2.so
	Label   string // the token's label
	PINFile string // holds PIN, mode 0600
}

// New initialises a token in a private SoftHSM2 store. SOFTHSM2_CONF is set for the test (SoftHSM reads
// it in C_Initialize), so the processes the test starts use the same store; such tests cannot run in
// parallel.
func New(t *testing.T) *Token {
	t.Helper()
	module := testenv.File(t, "libsofthsm2.so (package softhsm2)", "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
	util := testenv.Tool(t, "softhsm2-util")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	tok := &Token{Module: module, Label: "ponte-ca-hsm", PINFile: filepath.Join(t.TempDir(), "pin")}
	if out, err := exec.Command(util, "--init-token", "--free", "--label", tok.Label, "--pin", PIN, "--so-pin", "13579111").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	if err := os.WriteFile(tok.PINFile, []byte(PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return tok
}

// CheckSensitive asks the token for the value of the private key labelled label (C_GetAttributeValue
// CKA_VALUE): a sensitive key answers CKR_ATTRIBUTE_SENSITIVE (PKCS#11 v2.40 §5.7). CKA_SENSITIVE and
// CKA_EXTRACTABLE must read true and false.
func (k *Token) CheckSensitive(t *testing.T, label string) {
	t.Helper()
	p := pkcs11.New(k.Module)
	if p == nil {
		t.Fatalf("cannot load %s", k.Module)
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	slots, err := p.GetSlotList(true)
	if err != nil || len(slots) == 0 {
		t.Fatalf("slots %v %v", slots, err)
	}
	sh, err := p.OpenSession(slots[0], pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseSession(sh)
	if err := p.Login(sh, pkcs11.CKU_USER, PIN); err != nil {
		t.Fatal(err)
	}
	defer p.Logout(sh)
	p.FindObjectsInit(sh, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	hs, _, err := p.FindObjects(sh, 4)
	p.FindObjectsFinal(sh)
	if err != nil || len(hs) != 1 {
		t.Fatalf("private keys labelled %q: %d %v", label, len(hs), err)
	}
	if v, err := p.GetAttributeValue(sh, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)}); err == nil || err.(pkcs11.Error) != pkcs11.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("CKA_VALUE of the key: %d attributes read, %v", len(v), err)
	}
	a, err := p.GetAttributeValue(sh, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil)})
	if err != nil || !bytes.Equal(a[0].Value, []byte{1}) || !bytes.Equal(a[1].Value, []byte{0}) {
		t.Fatalf("CKA_SENSITIVE, CKA_EXTRACTABLE: %v %v", a, err)
	}
}
