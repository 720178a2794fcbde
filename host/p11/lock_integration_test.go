package p11_test

import (
	"errors"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/protocol"
)

// lockedToken loads the provisioned SoftHSM token through testdata/lockshim.c, which adds a card's retry
// counters (3 tries for PIN and PUK) to SoftHSM. SoftHSM itself never locks (TestSoftHSMNeverLocks);
// the unblock below still runs on SoftHSM for real (SO login with the PUK, C_InitPIN).
func lockedToken(t *testing.T) (*softEnv, *p11.Token) {
	t.Helper()
	shim := buildModule(t, "lockshim")
	e := newSoftEnv(t, testHolders[0])
	if err := e.m.Unload(e.lib); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOCKSHIM_MODULE", e.lib)
	mod, err := e.m.Load(shim)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := mod.TokenBySerial(e.cards[0].Serial)
	if err != nil {
		t.Fatal(err)
	}
	return e, tok
}

func TestLockedPINUnblockedWithPUK(t *testing.T) {
	_, tok := lockedToken(t)
	wrong := []byte("00000")

	_, after, err := tok.Login(wrong)
	if !errors.Is(err, p11.ErrPINIncorrect) || !after.CountLow || after.FinalTry {
		t.Fatalf("1st wrong PIN: %v %+v", err, after)
	}
	_, after, err = tok.Login(wrong)
	if !errors.Is(err, p11.ErrPINIncorrect) || !after.FinalTry {
		t.Fatalf("2nd wrong PIN: %v %+v (want final-try flag)", err, after)
	}
	_, after, err = tok.Login(wrong)
	if !errors.Is(err, p11.ErrPINLocked) || !after.Locked || p11.ProtocolCode(err) != protocol.ErrPINLocked {
		t.Fatalf("3rd wrong PIN: %v %+v (want locked)", err, after)
	}
	// Locked: even the right PIN is refused, and Login does not spend a call on a token that says locked.
	before, _, err := tok.Login(testPIN)
	if !errors.Is(err, p11.ErrPINLocked) || !before.Locked {
		t.Fatalf("right PIN on a locked token: %v", err)
	}

	newPIN := []byte("11223344")
	after, err = tok.UnblockPIN([]byte("99999999"), newPIN)
	if !errors.Is(err, p11.ErrPUKIncorrect) || !after.SOCountLow || p11.ProtocolCode(err) != protocol.ErrPUKIncorrect {
		t.Fatalf("wrong PUK: %v %+v", err, after)
	}
	after, err = tok.UnblockPIN(testPUK, newPIN)
	if err != nil {
		t.Fatalf("unblock: %v", err)
	}
	if after.Locked || after.CountLow || after.SOCountLow {
		t.Fatalf("flags after unblock: %+v", after)
	}
	login(t, tok, newPIN)
}

func TestPUKLocks(t *testing.T) {
	_, tok := lockedToken(t)
	for i := range 3 {
		after, err := tok.UnblockPIN([]byte("99999999"), []byte("11223344"))
		want := p11.ErrPUKIncorrect
		if i == 2 {
			want = p11.ErrPUKLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("wrong PUK %d: %v (%+v), want %v", i+1, err, after, want)
		}
	}
	_, err := tok.UnblockPIN(testPUK, []byte("11223344"))
	if !errors.Is(err, p11.ErrPUKLocked) || p11.ProtocolCode(err) != protocol.ErrPUKLocked {
		t.Fatalf("right PUK on a locked PUK: %v", err)
	}
	// The user PIN is untouched.
	login(t, tok, testPIN)
}

// TestPINPadLogin: on a token with a protected authentication path, Login with no PIN passes NULL to
// C_Login and the reader collects the PIN (here the shim plays the reader); a PIN sent anyway is refused
// by the shim, so the test proves the NULL.
func TestPINPadLogin(t *testing.T) {
	t.Setenv("LOCKSHIM_PINPAD", string(testPIN))
	_, tok := lockedToken(t)
	info, err := tok.Info()
	if err != nil || !info.ProtectedAuthPath {
		t.Fatalf("protected authentication path not reported: %+v %v", info, err)
	}
	if _, _, err := tok.Login(nil); err != nil {
		t.Fatalf("PIN-pad login: %v", err)
	}
	if err := tok.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tok.Login(testPIN); err == nil {
		t.Fatal("a typed PIN was sent to a PIN-pad token and accepted")
	}
}

// A module whose C_GetSessionInfo says "public session" while the user is logged in (states reported
// oddly): the session does see the private keys, so the key lookup and the last-usable-key guard must
// judge by them. Before, the guard asked the session state first and refused every delete as
// NOT_LOGGED_IN: a renewal's rollback and cleanup could never finish, however often the PIN was typed.
func TestLyingSessionStateStillDeletes(t *testing.T) {
	t.Setenv("LOCKSHIM_PUBLIC_SESSION", "1")
	_, tok := lockedToken(t)
	login(t, tok, testPIN)
	kp, err := tok.GenerateRSA(p11.KeyOptions{Bits: 2048, Label: "ponte-lying"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Signer(kp.ID); err != nil {
		t.Fatalf("signer of a visible key: %v", err)
	}
	if n, err := tok.DeleteSelected(kp.ID, p11.Selection{PrivateKey: true, PublicKey: true}); err != nil || n != 2 {
		t.Fatalf("delete-objects of a new key while logged in: %d objects, %v", n, err)
	}
	if _, err := tok.Signer(kp.ID); !errors.Is(err, p11.ErrNoSuchObject) {
		t.Fatalf("signer of the deleted key: %v, want NO_SUCH_OBJECT", err)
	}
}
