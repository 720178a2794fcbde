package p11_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/protocol"
)

// The security officer (PUK) removes and writes a certificate object on SoftHSM — public objects, which a
// R/W SO session may change (PKCS#11 v2.40 §5.6 session states) — and the logins go one at a time: the SO
// cannot log in over the user, and the user logs in again after the SO's logout and signs.
func TestOfficerWritesCertificates(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	login(t, tok, testPIN)
	if _, _, err := tok.LoginSO(testPUK); err == nil {
		t.Fatal("the SO logged in while the user was")
	}
	if err := tok.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tok.LoginSO(testPUK); err != nil {
		t.Fatalf("SO login: %v", err)
	}
	id, _ := hex.DecodeString(e.cards[0].AuthID)
	cert := e.cards[0].AuthCert
	n, err := tok.DeleteSelected(id, p11.Selection{Certificate: cert})
	if err != nil || n != 1 {
		t.Fatalf("SO removing the certificate: %d %v", n, err)
	}
	if err := tok.WriteCertificate(cert, id, "CNS0"); err != nil {
		t.Fatalf("SO writing the certificate: %v", err)
	}
	// The SO sees no private key: it cannot make or delete one.
	if _, err := tok.DeleteSelected(id, p11.Selection{PrivateKey: true, AllowLastKey: true}); err == nil {
		t.Fatal("the SO deleted a private key")
	}
	if _, _, err := tok.Login(testPIN); err == nil {
		t.Fatal("the user logged in while the SO was")
	}
	if err := tok.Logout(); err != nil {
		t.Fatal(err)
	}
	login(t, tok, testPIN)
	certs, err := tok.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range certs {
		found = found || (c.IDHex == e.cards[0].AuthID && c.HasPrivateKey)
	}
	if !found {
		t.Fatalf("the rewritten certificate is not next to its key: %+v", certs)
	}
}

// A wrong PUK costs one of its tries and says so (CKF_SO_PIN_COUNT_LOW, then FINAL_TRY), through
// testdata/lockshim.c's counters; a token reporting the PUK locked is not asked.
func TestOfficerWrongPUK(t *testing.T) {
	_, tok := lockedToken(t)
	wrong := []byte("99999999")
	_, after, err := tok.LoginSO(wrong)
	if !errors.Is(err, p11.ErrPUKIncorrect) || !after.SOCountLow || after.SOFinalTry || p11.ProtocolCode(err) != protocol.ErrPUKIncorrect {
		t.Fatalf("1st wrong PUK: %v %+v", err, after)
	}
	_, after, err = tok.LoginSO(wrong)
	if !errors.Is(err, p11.ErrPUKIncorrect) || !after.SOFinalTry {
		t.Fatalf("2nd wrong PUK: %v %+v", err, after)
	}
	_, after, err = tok.LoginSO(wrong)
	if !errors.Is(err, p11.ErrPUKLocked) || !after.SOLocked {
		t.Fatalf("3rd wrong PUK: %v %+v", err, after)
	}
	if _, _, err := tok.LoginSO(testPUK); !errors.Is(err, p11.ErrPUKLocked) {
		t.Fatalf("right PUK on a locked PUK: %v", err)
	}
	login(t, tok, testPIN) // the user PIN is untouched
}
