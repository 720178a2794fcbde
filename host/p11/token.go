package p11

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// PINStatus is what a token says about its PIN and SO PIN (the PUK on a CNS) in CK_TOKEN_INFO.flags
// (PKCS#11 v2.40 §3.2, table 11). Tokens set these only if they track tries; absent flags mean "unknown
// or fine", never "unlimited".
type PINStatus struct {
	CountLow      bool `json:"count_low"`        // CKF_USER_PIN_COUNT_LOW: at least one wrong PIN since the last good one
	FinalTry      bool `json:"final_try"`        // CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks it
	Locked        bool `json:"locked"`           // CKF_USER_PIN_LOCKED
	ToBeChanged   bool `json:"to_be_changed"`    // CKF_USER_PIN_TO_BE_CHANGED
	SOCountLow    bool `json:"so_count_low"`     // CKF_SO_PIN_COUNT_LOW
	SOFinalTry    bool `json:"so_final_try"`     // CKF_SO_PIN_FINAL_TRY
	SOLocked      bool `json:"so_locked"`        // CKF_SO_PIN_LOCKED
	SOToBeChanged bool `json:"so_to_be_changed"` // CKF_SO_PIN_TO_BE_CHANGED
}

// PINStatusFromFlags decodes CK_TOKEN_INFO.flags.
func PINStatusFromFlags(f uint) PINStatus {
	return PINStatus{
		CountLow: f&ck.CKF_USER_PIN_COUNT_LOW != 0, FinalTry: f&ck.CKF_USER_PIN_FINAL_TRY != 0,
		Locked: f&ck.CKF_USER_PIN_LOCKED != 0, ToBeChanged: f&ck.CKF_USER_PIN_TO_BE_CHANGED != 0,
		SOCountLow: f&ck.CKF_SO_PIN_COUNT_LOW != 0, SOFinalTry: f&ck.CKF_SO_PIN_FINAL_TRY != 0,
		SOLocked: f&ck.CKF_SO_PIN_LOCKED != 0, SOToBeChanged: f&ck.CKF_SO_PIN_TO_BE_CHANGED != 0,
	}
}

// Memory is a CK_TOKEN_INFO memory figure; tokens that do not say report CK_UNAVAILABLE_INFORMATION.
type Memory struct {
	Bytes uint64 `json:"bytes"`
	Known bool   `json:"known"`
}

func (m Memory) String() string {
	if !m.Known {
		return "unknown"
	}
	return strconv.FormatUint(m.Bytes, 10)
}

// unavailable is CK_UNAVAILABLE_INFORMATION, (~0UL), as the module's CK_ULONG reaches Go.
const unavailable = ^uint(0)

func memory(v uint) Memory {
	if v == unavailable {
		return Memory{}
	}
	return Memory{Bytes: uint64(v), Known: true}
}

// TokenInfo is CK_TOKEN_INFO (PKCS#11 v2.40 §5.5 C_GetTokenInfo), trimmed and decoded.
type TokenInfo struct {
	Label              string    `json:"label"`
	Manufacturer       string    `json:"manufacturer"`
	Model              string    `json:"model"`
	Serial             string    `json:"serial"`
	Initialized        bool      `json:"initialized"`
	LoginRequired      bool      `json:"login_required"`
	UserPINInitialized bool      `json:"user_pin_initialized"`
	ProtectedAuthPath  bool      `json:"protected_auth_path"` // PIN-pad reader: the PIN is typed on the reader
	WriteProtected     bool      `json:"write_protected"`
	PIN                PINStatus `json:"pin"`
	MinPINLen          uint      `json:"min_pin_len"`
	MaxPINLen          uint      `json:"max_pin_len"`
	FreePublic         Memory    `json:"free_public"`
	FreePrivate        Memory    `json:"free_private"`
	TotalPublic        Memory    `json:"total_public"`
	TotalPrivate       Memory    `json:"total_private"`
}

func tokenInfo(ti ck.TokenInfo) TokenInfo {
	f := ti.Flags
	return TokenInfo{
		Label: trim(ti.Label), Manufacturer: trim(ti.ManufacturerID), Model: trim(ti.Model), Serial: trim(ti.SerialNumber),
		Initialized: f&ck.CKF_TOKEN_INITIALIZED != 0, LoginRequired: f&ck.CKF_LOGIN_REQUIRED != 0,
		UserPINInitialized: f&ck.CKF_USER_PIN_INITIALIZED != 0,
		ProtectedAuthPath:  f&ck.CKF_PROTECTED_AUTHENTICATION_PATH != 0,
		WriteProtected:     f&ck.CKF_WRITE_PROTECTED != 0,
		PIN:                PINStatusFromFlags(f),
		MinPINLen:          ti.MinPinLen, MaxPINLen: ti.MaxPinLen,
		FreePublic: memory(ti.FreePublicMemory), FreePrivate: memory(ti.FreePrivateMemory),
		TotalPublic: memory(ti.TotalPublicMemory), TotalPrivate: memory(ti.TotalPrivateMemory),
	}
}

func trim(s string) string { return strings.TrimRight(strings.TrimSpace(s), "\x00") }

// Slot is CK_SLOT_INFO plus the token in it, if any.
type Slot struct {
	ID           uint       `json:"id"`
	Description  string     `json:"description"`
	Manufacturer string     `json:"manufacturer"`
	TokenPresent bool       `json:"token_present"`
	Removable    bool       `json:"removable"`
	Hardware     bool       `json:"hardware"`
	Token        *TokenInfo `json:"token,omitempty"`
}

// Slots lists the module's slots and their tokens (C_GetSlotList with tokenPresent false, so empty
// readers show too).
func (mod *Module) Slots() ([]Slot, error) {
	var out []Slot
	err := mod.bounded("C_GetSlotList", mod.t.Call, func() error {
		ids, err := mod.ctx.GetSlotList(false)
		if err != nil {
			return wrap("C_GetSlotList", err, whoNone)
		}
		for _, id := range ids {
			si, err := mod.ctx.GetSlotInfo(id)
			if err != nil {
				continue // a reader unplugged between the two calls
			}
			s := Slot{
				ID: id, Description: trim(si.SlotDescription), Manufacturer: trim(si.ManufacturerID),
				TokenPresent: si.Flags&ck.CKF_TOKEN_PRESENT != 0, Removable: si.Flags&ck.CKF_REMOVABLE_DEVICE != 0,
				Hardware: si.Flags&ck.CKF_HW_SLOT != 0,
			}
			if s.TokenPresent {
				if ti, err := mod.ctx.GetTokenInfo(id); err == nil {
					info := tokenInfo(ti)
					s.Token = &info
				}
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// InitToken initialises the token in a slot (C_InitToken): it erases the token and sets the SO PIN (the
// PUK on a CNS) and the label. Only provisioning of virtual cards uses it.
func (mod *Module) InitToken(slotID uint, soPIN []byte, label string) error {
	return mod.bounded("C_InitToken", mod.t.KeyGen, func() error {
		return wrap("C_InitToken", mod.ctx.InitToken(slotID, string(soPIN), label), whoSO)
	})
}

// Token is the host's handle on the token in one slot. Every operation holds the token's lock for its
// whole length, so operations on one card never interleave (PKCS#11 v2.40 §2.6: login state and
// multi-part operations are per token/session); different tokens run in parallel.
type Token struct {
	mod    *Module
	SlotID uint

	lock       sync.Mutex
	sh         ck.SessionHandle
	hasSession bool
	gen        uint64 // the module generation the session belongs to
	// serial is the CK_TOKEN_INFO serialNumber the last Info read in this slot: the card the host's scan
	// named (cards.Service maps a card ID to this handle). A session opened later must reach that card.
	serial atomic.Pointer[string]
}

// Token returns the handle for a slot; the same slot always yields the same handle.
func (mod *Module) Token(slotID uint) *Token {
	mod.mu.Lock()
	defer mod.mu.Unlock()
	t, ok := mod.tokens[slotID]
	if !ok {
		t = &Token{mod: mod, SlotID: slotID}
		mod.tokens[slotID] = t
	}
	return t
}

// do runs f with the token locked and a read/write session open. A removed card drops the session so the
// next call, after reinsertion, opens a fresh one.
func (t *Token) do(op string, d duration, f func(sh ck.SessionHandle) error) error {
	t.lock.Lock()
	defer t.lock.Unlock()
	if t.hasSession && t.gen != t.mod.gen.Load() {
		t.hasSession = false // the module was initialised again: the old session no longer exists
	}
	if !t.hasSession {
		// The call runs on its own goroutine (bounded): it hands its result back through locals only, so
		// a call that overruns cannot write into the token later.
		var sh ck.SessionHandle
		err := t.mod.bounded("C_OpenSession", t.mod.t.Call, func() error {
			h, err := t.mod.ctx.OpenSession(t.SlotID, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
			if isRV(err, ck.CKR_TOKEN_WRITE_PROTECTED) {
				h, err = t.mod.ctx.OpenSession(t.SlotID, ck.CKF_SERIAL_SESSION)
			}
			sh = h
			if err != nil {
				return wrap("C_OpenSession", err, whoNone)
			}
			if err := t.sameCard(); err != nil {
				_ = t.mod.ctx.CloseSession(h)
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		t.sh, t.hasSession, t.gen = sh, true, t.mod.gen.Load()
	}
	sh := t.sh
	err := t.mod.bounded(op, d.of(t.mod.t), func() error { return f(sh) })
	if err != nil && !errors.Is(err, ErrCardRemoved) && t.mod.Err() == nil && doubtful(err) {
		err = t.confirmPresent(err)
	}
	if err != nil && (errors.Is(err, ErrCardRemoved) || errors.Is(err, ErrModuleFailed)) {
		t.hasSession = false
	}
	return err
}

// sameCard checks, on a session just opened, that the slot still holds the card its last Info read. A
// reader's slot outlives its card (PKCS#11 v2.40 §3.1: the slot is the reader, the token the card in it):
// after a lost session, a card swapped for another of the same family (whose keys have the same CKA_IDs)
// would otherwise receive the next key generation, certificate or deletion meant for the first. Only a
// new session needs it: removing the card closes every session of the slot (§5.6), so an operation on a
// session opened and checked here can only reach this card.
func (t *Token) sameCard() error {
	want := t.serial.Load()
	if want == nil {
		return nil // no scan has named a card in this slot yet: nothing to keep to
	}
	return t.serialIs(*want)
}

// serialIs checks that the slot's token has serial want (CK_TOKEN_INFO serialNumber); another one is a
// removed card (retriable: put the right card back).
func (t *Token) serialIs(want string) error {
	ti, err := t.mod.ctx.GetTokenInfo(t.SlotID)
	if err != nil {
		return &Error{Op: "C_GetTokenInfo", RV: rvOf(err), Kind: ErrCardRemoved}
	}
	if got := trim(ti.SerialNumber); got != want {
		return &Error{Op: "token check", Kind: ErrCardRemoved,
			msg: "the reader holds the card with token serial " + got + ", not " + want}
	}
	return nil
}

// Holds checks, on the session the next command will use, that the reader holds the token with serial
// want: the card the caller began with (a renewal's record keeps it). sameCard compares with the host's
// last scan, which renames the handle when a card is swapped between two commands for another of the same
// family in the same reader (both are "atr:ATR@reader" when they have no EF_IDCarta); the caller's serial
// does not move. Checked on the open session, the command that follows reaches this card or fails:
// removing the card closes the slot's sessions (PKCS#11 v2.40 §5.6).
func (t *Token) Holds(want string) error {
	return t.do("token check", callTime, func(ck.SessionHandle) error { return t.serialIs(want) })
}

// doubtful errors may be how a module reports a card that went away: some answer CKR_GENERAL_ERROR or
// CKR_FUNCTION_FAILED, and SoftHSM simply stops finding the objects of a token whose files vanished.
func doubtful(err error) bool {
	return errors.Is(err, ErrNoSuchObject) || errors.Is(err, ErrFailed) || errors.Is(err, ErrModuleFailed)
}

// confirmPresent asks the module about the token (C_GetTokenInfo). If the token no longer answers, the
// failure is reported as a removed card, which is retriable; otherwise the original error stands.
func (t *Token) confirmPresent(orig error) error {
	perr := t.mod.bounded("C_GetTokenInfo", t.mod.t.Call, func() error {
		_, err := t.mod.ctx.GetTokenInfo(t.SlotID)
		return wrap("C_GetTokenInfo", err, whoNone)
	})
	if perr == nil || t.mod.Err() != nil {
		return orig
	}
	e := &Error{Op: "token check", RV: rvOf(perr), Kind: ErrCardRemoved, msg: "the token stopped answering after: " + orig.Error()}
	return e
}

// duration picks one of the Timeouts.
type duration int

const (
	callTime duration = iota
	keyGenTime
	pinPadTime
)

func (d duration) of(t Timeouts) time.Duration {
	switch d {
	case keyGenTime:
		return t.KeyGen
	case pinPadTime:
		return t.PINPad
	}
	return t.Call
}

// Info reads CK_TOKEN_INFO now (flags change after every login).
func (t *Token) Info() (TokenInfo, error) {
	var out TokenInfo
	err := t.mod.bounded("C_GetTokenInfo", t.mod.t.Call, func() error {
		ti, err := t.mod.ctx.GetTokenInfo(t.SlotID)
		if err != nil {
			// The slot exists but its token does not answer: for the user, the card is gone.
			if isRV(err, ck.CKR_CRYPTOKI_NOT_INITIALIZED) {
				return wrap("C_GetTokenInfo", err, whoNone)
			}
			return &Error{Op: "C_GetTokenInfo", RV: rvOf(err), Kind: ErrCardRemoved}
		}
		out = tokenInfo(ti)
		t.serial.Store(&out.Serial)
		return nil
	})
	return out, err
}

// FreeSpace is what the token says about free memory (CK_TOKEN_INFO ulFreePublicMemory and
// ulFreePrivateMemory); Known is false when the token does not say, as most cards do not.
func (t *Token) FreeSpace() (public, private Memory, err error) {
	ti, err := t.Info()
	return ti.FreePublic, ti.FreePrivate, err
}

// Close closes the token's session (logging it out).
func (t *Token) Close() error {
	t.lock.Lock()
	defer t.lock.Unlock()
	if t.hasSession && t.gen != t.mod.gen.Load() {
		t.hasSession = false // the module was initialised again: the old session no longer exists
	}
	if !t.hasSession {
		return nil
	}
	t.hasSession = false
	return t.mod.bounded("C_CloseSession", t.mod.t.Call, func() error {
		err := t.mod.ctx.CloseSession(t.sh)
		if isRV(err, ck.CKR_SESSION_HANDLE_INVALID) || isRV(err, ck.CKR_SESSION_CLOSED) {
			return nil
		}
		return wrap("C_CloseSession", err, whoNone)
	})
}

// TokenBySerial finds the token with this serial number among the module's slots. Slot IDs are not
// stable (SoftHSM renumbers after C_Initialize, readers come and go): the serial is.
func (mod *Module) TokenBySerial(serial string) (*Token, error) {
	slots, err := mod.Slots()
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		if s.Token != nil && s.Token.Serial == serial {
			return mod.Token(s.ID), nil
		}
	}
	return nil, fail("find token", ErrCardRemoved, "no token with serial %s in %s", serial, mod.Path)
}
