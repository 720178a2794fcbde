package p11_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/protocol"
)

// signOnce logs nothing in and signs with the card's authentication key, verifying the result.
func signOnce(tok *p11.Token, id []byte, msg string) error {
	s, err := tok.Signer(id)
	if err != nil {
		return err
	}
	d := sha256.Sum256([]byte(msg))
	sig, err := s.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return err
	}
	return rsa.VerifyPKCS1v15(s.Public().(*rsa.PublicKey), crypto.SHA256, d[:], sig)
}

// tokenDir is SoftHSM's directory for a token: named by a UUID whose last 16 hex digits are the serial.
func tokenDir(t *testing.T, e *softEnv, serial string) string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(e.dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range ents {
		if strings.HasSuffix(strings.ReplaceAll(en.Name(), "-", ""), serial) {
			return filepath.Join(e.dir, "tokens", en.Name())
		}
	}
	t.Fatalf("no token directory for serial %s", serial)
	return ""
}

// TestCardRemovedMidOperation removes a token's storage while the host holds a logged-in session on it:
// the nearest SoftHSM gets to pulling a card. The next operation on that token is a retriable
// CARD_REMOVED; the other token keeps signing; putting the files back ("reinserting") and logging in
// again works.
func TestCardRemovedMidOperation(t *testing.T) {
	e := newSoftEnv(t, testHolders[0], testHolders[1])
	tokA, tokB := e.token(0), e.token(1)
	idA, idB := cardKeyID(t, e.cards[0].AuthID), cardKeyID(t, e.cards[1].AuthID)
	login(t, tokA, testPIN)
	login(t, tokB, testPIN)
	if err := signOnce(tokA, idA, "prima"); err != nil {
		t.Fatal(err)
	}
	dir := tokenDir(t, e, e.cards[0].Serial)
	saved := dir + ".saved"
	if err := os.Rename(dir, saved); err != nil {
		t.Fatal(err)
	}
	err := signOnce(tokA, idA, "dopo")
	var pe *p11.Error
	if !errors.Is(err, p11.ErrCardRemoved) || !errors.As(err, &pe) || !pe.Retriable() || p11.ProtocolCode(err) != protocol.ErrCardRemoved {
		t.Fatalf("sign on a removed card: %v", err)
	}
	if _, err := tokA.Certificates(); !errors.Is(err, p11.ErrCardRemoved) {
		t.Fatalf("list certificates on a removed card: %v", err)
	}
	if err := signOnce(tokB, idB, "l'altra tessera"); err != nil {
		t.Fatalf("the other card stopped working: %v", err)
	}
	if _, err := e.mod.TokenBySerial(e.cards[0].Serial); !errors.Is(err, p11.ErrCardRemoved) {
		t.Fatalf("the removed card is still listed: %v", err)
	}
	// Reinsert: SoftHSM notices new token files only when it initialises, so the module is reloaded, as
	// a middleware re-enumerates its readers.
	if err := os.Rename(saved, dir); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Unload(e.lib); err != nil {
		t.Fatal(err)
	}
	mod, err := e.m.Load(e.lib)
	if err != nil {
		t.Fatal(err)
	}
	tokA, err = mod.TokenBySerial(e.cards[0].Serial)
	if err != nil {
		t.Fatalf("card not found after reinsertion: %v", err)
	}
	login(t, tokA, testPIN)
	if err := signOnce(tokA, idA, "reinserita"); err != nil {
		t.Fatalf("sign after reinsertion: %v", err)
	}
}

// TestModuleGoneOthersKeepWorking finalises one module under the host (as a crashed middleware
// service would leave it): its tokens answer a retriable MODULE_FAILED, a second module keeps working,
// and loading the path again revives the first.
func TestModuleGoneOthersKeepWorking(t *testing.T) {
	a := newSoftEnv(t, testHolders[0])
	b := newSoftEnv(t, testHolders[1]) // a second SoftHSM instance: another "maker"
	tokA, tokB := a.token(0), b.token(0)
	idA, idB := cardKeyID(t, a.cards[0].AuthID), cardKeyID(t, b.cards[0].AuthID)
	login(t, tokA, testPIN)
	login(t, tokB, testPIN)
	if err := a.mod.Finalize(); err != nil {
		t.Fatal(err)
	}
	err := signOnce(tokA, idA, "x")
	if !errors.Is(err, p11.ErrModuleFailed) || p11.ProtocolCode(err) != protocol.ErrModuleFailed || !protocol.ErrModuleFailed.Retriable() {
		t.Fatalf("sign through a finalised module: %v", err)
	}
	if err := signOnce(tokB, idB, "y"); err != nil {
		t.Fatalf("the other module stopped working: %v", err)
	}
	t.Setenv("SOFTHSM2_CONF", filepath.Join(a.dir, "softhsm2.conf")) // SoftHSM rereads it in C_Initialize
	mod, err := a.m.Load(a.lib)
	if err != nil {
		t.Fatalf("reloading: %v", err)
	}
	tokA, err = mod.TokenBySerial(a.cards[0].Serial)
	if err != nil {
		t.Fatal(err)
	}
	login(t, tokA, testPIN)
	if err := signOnce(tokA, idA, "z"); err != nil {
		t.Fatalf("after reload: %v", err)
	}
}

// TestTwoCardsAtOnce signs on two tokens of one module from several goroutines at once, including
// several at a time on the same token: per-token serialisation keeps every signature valid.
func TestTwoCardsAtOnce(t *testing.T) {
	e := newSoftEnv(t, testHolders[0], testHolders[1])
	slots, err := e.mod.Slots()
	if err != nil {
		t.Fatal(err)
	}
	present := 0
	for _, s := range slots {
		if s.Token != nil && s.Token.Initialized {
			present++
		}
	}
	if present != 2 {
		t.Fatalf("%d initialised tokens, want 2", present)
	}
	for i := range e.cards {
		login(t, e.token(i), testPIN)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := g % 2
			for k := range 3 {
				if err := signOnce(e.token(i), cardKeyID(t, e.cards[i].AuthID), fmt.Sprint(g, k)); err != nil {
					errs <- fmt.Errorf("card %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestHungModuleDoesNotStopHost loads a module whose C_Initialize never returns: the load fails with
// MODULE_FAILED after the timeout, and a SoftHSM token keeps working in the same process.
func TestHungModuleDoesNotStopHost(t *testing.T) {
	hang := buildModule(t, "hang")
	calls := filepath.Join(t.TempDir(), "calls")
	t.Setenv("HANG_LOG", calls)
	e := newSoftEnv(t, testHolders[0])
	m := p11.NewManager()
	m.Timeouts.Load = 500 * time.Millisecond
	_, err := m.Load(hang)
	if !errors.Is(err, p11.ErrModuleFailed) {
		t.Fatalf("hung module: %v", err)
	}
	// The card search loads every installed module on every card list: a module that hung is not
	// called into again (another stuck thread and another wait each time), it stays failed.
	for i := 0; i < 3; i++ {
		if _, err := m.Load(hang); !errors.Is(err, p11.ErrModuleFailed) {
			t.Fatalf("hung module, load %d: %v", i+2, err)
		}
	}
	if b, err := os.ReadFile(calls); err != nil || len(b) != 1 {
		t.Errorf("C_Initialize entered %d times (%v), want once", len(b), err)
	}
	tok := e.token(0)
	login(t, tok, testPIN)
	if err := signOnce(tok, cardKeyID(t, e.cards[0].AuthID), "ancora viva"); err != nil {
		t.Fatal(err)
	}
	// In a subprocess the same module is reported, and the child is killed.
	r := p11.ProbeSubprocess(context.Background(), os.Args[0], hang, 2*time.Second)
	if r.Loads || !strings.Contains(r.Error, "did not answer") {
		t.Fatalf("subprocess probe of a hung module: %+v", r)
	}
}

// TestCrashingModuleProbedInSubprocess: a module that aborts in C_Initialize would take the host down
// in-process; probed in a child process it is just "does not load".
func TestCrashingModuleProbedInSubprocess(t *testing.T) {
	crash := buildModule(t, "crash")
	r := p11.ProbeSubprocess(context.Background(), os.Args[0], crash, 20*time.Second)
	if r.Loads || !strings.Contains(r.Error, "stopped the probe process") {
		t.Fatalf("crashing module: %+v", r)
	}
	notLib := filepath.Join(t.TempDir(), "libnot.so")
	writeFile(t, notLib, []byte("not a library"))
	r = p11.ProbeSubprocess(context.Background(), os.Args[0], notLib, 20*time.Second)
	if r.Loads || !strings.Contains(r.Error, "not a loadable PKCS#11 library") {
		t.Fatalf("not a library: %+v", r)
	}
	e := newSoftEnv(t, testHolders[0])
	r = p11.ProbeSubprocess(context.Background(), os.Args[0], e.lib, 20*time.Second)
	if !r.Loads || r.Tokens < 1 || r.Library.Manufacturer != "SoftHSM" {
		t.Fatalf("SoftHSM in a subprocess: %+v", r)
	}
}

// TestSessionInvalidatedUnderUs: the module drops our session (as middlewares do on card removal):
// the next operation is a retriable CARD_REMOVED (CKR_SESSION_HANDLE_INVALID), and the one after
// opens a fresh session by itself.
func TestSessionInvalidatedUnderUs(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	id := cardKeyID(t, e.cards[0].AuthID)
	login(t, tok, testPIN)
	if err := signOnce(tok, id, "a"); err != nil {
		t.Fatal(err)
	}
	if err := tok.CloseAllSessions(); err != nil {
		t.Fatal(err)
	}
	err := signOnce(tok, id, "b")
	var pe *p11.Error
	if !errors.Is(err, p11.ErrCardRemoved) || !errors.As(err, &pe) || pe.RV != 0xb3 /* CKR_SESSION_HANDLE_INVALID */ {
		t.Fatalf("sign on an invalidated session: %v", err)
	}
	// Closing the last session logged the token out (PKCS#11 v2.40 §5.6 C_CloseSession): log in again.
	login(t, tok, testPIN)
	if err := signOnce(tok, id, "c"); err != nil {
		t.Fatalf("after a fresh session: %v", err)
	}
}
