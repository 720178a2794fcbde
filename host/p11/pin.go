package p11

import (
	"github.com/ponte-it/ponte/host/p11/ck"
)

// PINs and PUKs cross this package as []byte so callers can wipe their copy after the call. The module
// binding takes a Go string, which cannot be wiped; it lives only for the duration of the call. Nothing
// here logs, stores or retries a PIN: one call, one C_Login.

// Login presents the user PIN once (C_Login, CKU_USER; PKCS#11 v2.40 §5.6). A nil or empty PIN on a token
// with a protected authentication path (PIN-pad reader) asks the reader to collect it. The token's PIN
// flags are read before and after; a token that already says "locked" is not asked at all, so no try is
// wasted. An already logged-in token counts as success.
func (t *Token) Login(pin []byte) (before, after PINStatus, err error) {
	return t.login(ck.CKU_USER, pin)
}

// login presents a user's or the SO's secret once (C_Login): the token's flags for that secret are read
// before (a locked one is not tried) and after; nil on a protected authentication path lets the reader
// collect it; being already logged in as that user counts as success.
func (t *Token) login(user uint, secret []byte) (before, after PINStatus, err error) {
	w, locked, what := whoUser, ErrPINLocked, "PIN"
	if user == ck.CKU_SO {
		w, locked, what = whoSO, ErrPUKLocked, "PUK"
	}
	info, err := t.Info()
	if err != nil {
		return before, after, err
	}
	before = info.PIN
	if (w == whoUser && before.Locked) || (w == whoSO && before.SOLocked) {
		return before, before, &Error{Op: "C_Login", Kind: locked, PIN: &before, msg: "the token reports the " + what + " locked"}
	}
	d := callTime
	if len(secret) == 0 {
		if !info.ProtectedAuthPath {
			return before, before, fail("C_Login", ErrPINInvalid, "empty %s and no PIN-pad reader", what)
		}
		d = pinPadTime
	}
	err = t.do("C_Login", d, func(sh ck.SessionHandle) error {
		err := t.mod.ctx.Login(sh, user, string(secret))
		if isRV(err, ck.CKR_USER_ALREADY_LOGGED_IN) {
			return nil
		}
		return wrap("C_Login", err, w)
	})
	return before, t.attachPIN(err, &after), err
}

// Logout ends the login state of the token (C_Logout); not being logged in is fine.
func (t *Token) Logout() error {
	return t.do("C_Logout", callTime, func(sh ck.SessionHandle) error {
		err := t.mod.ctx.Logout(sh)
		if isRV(err, ck.CKR_USER_NOT_LOGGED_IN) {
			return nil
		}
		return wrap("C_Logout", err, whoNone)
	})
}

// ChangePIN changes the user PIN (C_SetPIN in a read/write session, which acts on the user PIN when the
// session is public or user-logged-in; PKCS#11 v2.40 §5.6).
func (t *Token) ChangePIN(oldPIN, newPIN []byte) (after PINStatus, err error) {
	if len(oldPIN) == 0 || len(newPIN) == 0 {
		return after, fail("C_SetPIN", ErrPINInvalid, "empty PIN")
	}
	err = t.do("C_SetPIN", callTime, func(sh ck.SessionHandle) error {
		return wrap("C_SetPIN", t.mod.ctx.SetPIN(sh, string(oldPIN), string(newPIN)), whoUser)
	})
	t.attachPIN(err, &after)
	return after, err
}

// UnblockPIN sets a new user PIN with the PUK: the PUK is the token's SO PIN (C_Login CKU_SO, then
// C_InitPIN, then C_Logout; PKCS#11 v2.40 §5.6). OpenSC's itacns driver and the vendor middlewares map
// the CNS PUK (PIN reference + 1) to the SO PIN. A wrong PUK is ErrPUKIncorrect, a blocked one ErrPUKLocked.
func (t *Token) UnblockPIN(puk, newPIN []byte) (after PINStatus, err error) {
	if len(puk) == 0 || len(newPIN) == 0 {
		return after, fail("C_InitPIN", ErrPINInvalid, "empty PUK or PIN")
	}
	info, err := t.Info()
	if err != nil {
		return after, err
	}
	if info.PIN.SOLocked {
		return info.PIN, &Error{Op: "C_Login", Kind: ErrPUKLocked, PIN: &info.PIN, msg: "the token reports the PUK locked"}
	}
	err = t.do("C_InitPIN", callTime, func(sh ck.SessionHandle) error {
		// The SO cannot log in while the user is (CKR_USER_ANOTHER_ALREADY_LOGGED_IN).
		if err := t.mod.ctx.Logout(sh); err != nil && !isRV(err, ck.CKR_USER_NOT_LOGGED_IN) {
			return wrap("C_Logout", err, whoNone)
		}
		if err := t.mod.ctx.Login(sh, ck.CKU_SO, string(puk)); err != nil {
			return wrap("C_Login", err, whoSO)
		}
		initErr := wrap("C_InitPIN", t.mod.ctx.InitPIN(sh, string(newPIN)), whoUser)
		if err := t.mod.ctx.Logout(sh); err != nil && initErr == nil {
			return wrap("C_Logout", err, whoNone)
		}
		return initErr
	})
	t.attachPIN(err, &after)
	return after, err
}

// attachPIN reads the token's PIN flags after a PIN operation into *after and, when err is an *Error,
// into it too. It returns *after for convenience.
func (t *Token) attachPIN(err error, after *PINStatus) PINStatus {
	info, ierr := t.Info()
	if ierr == nil {
		*after = info.PIN
		if e, ok := err.(*Error); ok {
			st := info.PIN
			e.PIN = &st
			// A wrong PIN that used the last try: report the lock, not the wrong PIN.
			if e.Kind == ErrPINIncorrect && st.Locked {
				e.Kind = ErrPINLocked
			}
			if e.Kind == ErrPUKIncorrect && st.SOLocked {
				e.Kind = ErrPUKLocked
			}
		}
	}
	return *after
}
