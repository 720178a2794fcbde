package p11_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func TestMain(m *testing.M) {
	p11.RunProbeIfRequested()
	os.Exit(m.Run())
}

// Test PINs of the virtual cards (never real secrets).
var (
	testPIN = []byte("12345678")
	testPUK = []byte("87654321")
)

var testHolders = []softcard.Holder{
	{Surname: "Rossi", GivenName: "Mario", CodiceFiscale: "RSSMRA80A01H501U", CardID: "8038000000000001"},
	{Surname: "Bianchi", GivenName: "Anna", CodiceFiscale: "BNCNNA85M41F205X", CardID: "8038000000000002"},
}

// softhsmLib returns the installed SoftHSM2 library (Debian path first).
func softhsmLib(t *testing.T) string {
	t.Helper()
	d, _ := p11.DriverByName("softhsm")
	l := p11.NewLocator()
	return testenv.File(t, "libsofthsm2.so (package softhsm2)", d.Candidates(l.GOOS, l.GOARCH)...)
}

// privateCopy copies a library into the test's directory. The dynamic loader keys loaded libraries by
// file identity, so each copy is a separate SoftHSM instance with its own SOFTHSM2_CONF and state, as two
// vendors' modules would be.
func privateCopy(t *testing.T, lib string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(lib))
	in, err := os.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// softEnv is one SoftHSM instance with provisioned TS-CNS tokens, loaded in its own manager.
type softEnv struct {
	lib, dir string
	m        *p11.Manager
	mod      *p11.Module
	ca       *softcard.TestCA
	cards    []*softcard.Card
}

// newSoftEnv provisions one virtual card per holder. SOFTHSM2_CONF is set for the test (SoftHSM reads it
// in C_Initialize), which is why these tests do not run in parallel.
func newSoftEnv(t *testing.T, holders ...softcard.Holder) *softEnv {
	t.Helper()
	e := &softEnv{lib: privateCopy(t, softhsmLib(t)), dir: t.TempDir(), m: p11.NewManager()}
	conf, err := softcard.WriteSoftHSMConfig(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	t.Cleanup(func() { e.m.Close() })
	if e.ca, err = softcard.NewTestCA("Ponte test CNS CA"); err != nil {
		t.Fatal(err)
	}
	for i, h := range holders {
		card, err := softcard.Provision(e.m, softcard.Config{
			Module: e.lib, Holder: h, PIN: testPIN, PUK: testPUK, Issuer: e.ca.Issue,
			OutDir: filepath.Join(e.dir, "card", h.CardID),
		})
		if err != nil {
			t.Fatalf("provisioning card %d: %v", i, err)
		}
		e.cards = append(e.cards, card)
	}
	if e.mod, err = e.m.Load(e.lib); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *softEnv) token(i int) *p11.Token { return e.mod.Token(e.cards[i].SlotID) }

func login(t *testing.T, tok *p11.Token, pin []byte) {
	t.Helper()
	if _, _, err := tok.Login(pin); err != nil {
		t.Fatalf("login: %v", err)
	}
}
