package p11_test

import (
	"errors"
	"os"
	"regexp"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// spyLogins loads the provisioned SoftHSM through OpenSC's pkcs11-spy, which logs every PKCS#11 call
// the module receives, and returns the token handle and a counter of C_Login calls in that log.
func spyLogins(t *testing.T, e *softEnv) (*p11.Token, func() int) {
	t.Helper()
	spy := testenv.File(t, "pkcs11-spy.so (package opensc-pkcs11)",
		"/usr/lib/x86_64-linux-gnu/pkcs11-spy.so", "/usr/lib/aarch64-linux-gnu/pkcs11-spy.so",
		"/usr/lib64/pkcs11-spy.so", "/usr/lib/pkcs11-spy.so")
	if err := e.m.Unload(e.lib); err != nil {
		t.Fatal(err)
	}
	logFile := t.TempDir() + "/spy.log"
	t.Setenv("PKCS11SPY", e.lib)
	t.Setenv("PKCS11SPY_OUTPUT", logFile)
	mod, err := e.m.Load(privateCopy(t, spy))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := mod.TokenBySerial(e.cards[0].Serial)
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`(?m)^\d+: C_Login$`)
	return tok, func() int {
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		return len(calls.FindAll(b, -1))
	}
}

func TestWrongPINOneTryNoRetry(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok, logins := spyLogins(t, e)

	before, after, err := tok.Login([]byte("00000"))
	if !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("wrong PIN: got %v, want ErrPINIncorrect", err)
	}
	if n := logins(); n != 1 {
		t.Fatalf("the module saw %d C_Login calls for one wrong PIN, want exactly 1", n)
	}
	var pe *p11.Error
	if !errors.As(err, &pe) || pe.PIN == nil || *pe.PIN != after {
		t.Fatalf("error does not carry the PIN flags read after the failure: %#v", err)
	}
	// SoftHSM sets CKF_USER_PIN_COUNT_LOW after a wrong PIN and clears it after a good one; it has no
	// FINAL_TRY or LOCKED state (see TestSoftHSMNeverLocks).
	if before.CountLow || !after.CountLow {
		t.Fatalf("count-low flag before %v after %v, want false then true", before.CountLow, after.CountLow)
	}
	if got := p11.ProtocolCode(err); got != protocol.ErrPINIncorrect || !pe.Retriable() {
		t.Fatalf("protocol code %s retriable %v", got, pe.Retriable())
	}

	before, after, err = tok.Login(testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if !before.CountLow || after.CountLow {
		t.Fatalf("after a good PIN: count-low before %v after %v, want true then false", before.CountLow, after.CountLow)
	}
	if n := logins(); n != 2 {
		t.Fatalf("the module saw %d C_Login calls for two attempts", n)
	}
}

// TestSoftHSMNeverLocks records the real behaviour of SoftHSM 2.6: no retry counter, so ten wrong PINs
// do not lock the token and the right PIN still works. Locked-PIN handling is exercised with the
// lockshim module in TestLockedPINUnblockedWithPUK.
func TestSoftHSMNeverLocks(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	for range 10 {
		if _, _, err := tok.Login([]byte("00000")); !errors.Is(err, p11.ErrPINIncorrect) {
			t.Fatalf("wrong PIN: %v", err)
		}
	}
	info, err := tok.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.PIN.Locked || info.PIN.FinalTry || !info.PIN.CountLow {
		t.Fatalf("SoftHSM flags after 10 wrong PINs: %+v", info.PIN)
	}
	login(t, tok, testPIN)
}

func TestUnblockWithPUK(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	newPIN := []byte("24681357")

	_, err := tok.UnblockPIN([]byte("11111111"), newPIN)
	if !errors.Is(err, p11.ErrPUKIncorrect) || p11.ProtocolCode(err) != protocol.ErrPUKIncorrect {
		t.Fatalf("wrong PUK: got %v", err)
	}
	if _, _, err := tok.Login(newPIN); !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("a wrong PUK changed the PIN: %v", err)
	}
	if _, err := tok.UnblockPIN(testPUK, newPIN); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tok.Login(testPIN); !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("old PIN after unblock: %v", err)
	}
	login(t, tok, newPIN)
}

func TestChangePIN(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	newPIN := []byte("13572468")

	if _, err := tok.ChangePIN([]byte("00000000"), newPIN); !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("wrong old PIN: %v", err)
	}
	// SoftHSM's minimum PIN length is 4 (CK_TOKEN_INFO ulMinPinLen): a 3-digit PIN is refused.
	if _, err := tok.ChangePIN(testPIN, []byte("123")); !errors.Is(err, p11.ErrPINInvalid) {
		t.Fatalf("too short new PIN: %v", err)
	}
	if _, err := tok.ChangePIN(testPIN, newPIN); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tok.Login(testPIN); !errors.Is(err, p11.ErrPINIncorrect) {
		t.Fatalf("old PIN after change: %v", err)
	}
	login(t, tok, newPIN)
}
