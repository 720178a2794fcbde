package renew

import (
	"context"
	"errors"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// Families whose certificate objects only the security officer writes (AC 2014 and AC 2018: the
// SOGEIExtend guide, seed 000, asks "sia il codice PIN che il codice PUK"; internal/cns families.json,
// renewal.puk). On them a renewal logs in twice, one at a time, since PKCS#11 lets only one of user and
// SO be logged in to a token (C_Login answers CKR_USER_ANOTHER_ALREADY_LOGGED_IN; PKCS#11 v2.40 §5.6):
//
//   - the user (PIN) generates the new key, signs the request and the proof of possession, makes the
//     test signature, signs certConf and deletes the old private key;
//   - the security officer (PUK) writes the new certificate object and removes the old one (and, on a
//     rollback, a written new one).
//
// The PUK is checked first, with an SO login and logout before anything else happens: a wrong PUK costs
// nothing on the card or at the CA. It is never retried, never logged, and never in the journal: a
// resumed renewal asks for it again (Logins).

// Logins are the PIN and PUK a renewal on such a card uses for its explicit logins, held only for one
// Begin or Run. Empty values on a PIN-pad reader let the reader collect them. The caller wipes them.
type Logins struct {
	PIN, PUK protocol.Secret
}

// Wipe overwrites both secrets.
func (l *Logins) Wipe() {
	if l != nil {
		l.PIN.Wipe()
		l.PUK.Wipe()
	}
}

// SamePIN is the PINFunc for keys that want the PIN for each signature (CKA_ALWAYS_AUTHENTICATE, a
// context-specific login, PKCS#11 v2.40 §5.6, as qualified signature keys do): a renewal's signatures
// with the old key (kur, pollReq, certConf) are one operation the holder consented to with the PIN typed
// once, so each gets a copy of that PIN — never an empty login. The caller wipes pin when Run stops.
func SamePIN(pin protocol.Secret) hostcard.PINFunc {
	return func() (protocol.Secret, error) { return fresh(pin), nil }
}

// fresh is a copy for one call: the card wipes what it was given.
func fresh(s protocol.Secret) protocol.Secret { return append(protocol.Secret(nil), s...) }

var errPUKRequired = NewFailure(CodePUKRequired)

// checkOfficer presents the PUK once (SO login, then logout) and logs the user in again with the PIN.
// On a wrong PUK nothing else has happened; the failure says how many tries the card has left.
func (e *Engine) checkOfficer(ctx context.Context) error {
	if e.Logins == nil {
		return errPUKRequired
	}
	if err := e.Card.Logout(ctx); err != nil {
		return err
	}
	if _, err := e.Card.LoginSO(ctx, fresh(e.Logins.PUK)); err != nil {
		return e.pukFailure(ctx, err)
	}
	if err := e.Card.Logout(ctx); err != nil {
		return err
	}
	if _, err := e.Card.Login(ctx, fresh(e.Logins.PIN)); err != nil {
		return err
	}
	e.officerChecked = true
	return nil
}

// pukFailure words a failed SO login with the card's PUK flags (CKF_SO_PIN_COUNT_LOW, FINAL_TRY, LOCKED),
// read again from the card: PKCS#11 tells no number of tries, only these.
func (e *Engine) pukFailure(ctx context.Context, err error) error {
	var perr *protocol.Error
	if !errors.As(err, &perr) || (perr.Code != protocol.ErrPUKIncorrect && perr.Code != protocol.ErrPUKLocked) {
		return err
	}
	var st protocol.PINStatus
	if info, ierr := e.Card.Info(ctx); ierr == nil && info.Token != nil {
		st = info.Token.PIN
	}
	f := &Failure{Code: string(perr.Code), Detail: perr.Message, Retriable: true, Words: []words.Message{words.M("puk-wrong-nothing-changed")}}
	switch {
	case perr.Code == protocol.ErrPUKLocked || st.PUKLocked:
		f.Code, f.Retriable = string(protocol.ErrPUKLocked), false
		f.Words = []words.Message{words.M("puk-locked-no-renewal")}
	case st.PUKFinalTry:
		f.Words = append(f.Words, words.M("puk-final-try"))
	case st.PUKCountLow:
		f.Words = append(f.Words, words.M("puk-count-low"))
	}
	return f
}

// asOfficer runs f in a security-officer login when the renewal needs one, and always logs the user back
// in afterwards (the following steps sign). Without the PUK it asks for it (retriable: the renewal waits).
func (e *Engine) asOfficer(ctx context.Context, r *Renewal, f func() error) error {
	if !r.NeedsPUK {
		return f()
	}
	if e.Logins == nil {
		return errPUKRequired
	}
	if err := e.Card.Logout(ctx); err != nil {
		return err
	}
	var err error
	if _, err = e.Card.LoginSO(ctx, fresh(e.Logins.PUK)); err != nil {
		err = e.pukFailure(ctx, err)
	} else {
		err = f()
		if lerr := e.Card.Logout(ctx); err == nil {
			err = lerr
		}
	}
	if _, lerr := e.Card.Login(ctx, fresh(e.Logins.PIN)); err == nil {
		err = lerr
	}
	return err
}

// remove deletes objects of one CKA_ID: keys in the user's login, the certificate in the officer's.
func (e *Engine) remove(ctx context.Context, r *Renewal, d protocol.DeleteObjects) error {
	if !r.NeedsPUK || d.Certificate == nil {
		return e.Card.DeleteObjects(ctx, d)
	}
	if d.PrivateKey || d.PublicKey {
		keys := d
		keys.Certificate = nil
		if err := e.Card.DeleteObjects(ctx, keys); err != nil && !isNoSuchObject(err) {
			return err
		}
	}
	return e.asOfficer(ctx, r, func() error {
		err := e.Card.DeleteObjects(ctx, protocol.DeleteObjects{Key: d.Key, Certificate: d.Certificate})
		if isNoSuchObject(err) {
			return nil
		}
		return err
	})
}
