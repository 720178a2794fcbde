package p11

import (
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/host/p11/ck"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Kinds of failure the rest of Ponte distinguishes. Every error this package returns wraps exactly one of
// them (errors.Is), so callers branch on the kind and never on CKR_ numbers or message text.
var (
	ErrModuleMissing   = errors.New("pkcs11: module not installed")
	ErrModuleFailed    = errors.New("pkcs11: module failed or not responding")
	ErrCardRemoved     = errors.New("pkcs11: card removed")
	ErrPINIncorrect    = errors.New("pkcs11: PIN incorrect")
	ErrPINLocked       = errors.New("pkcs11: PIN locked")
	ErrPINInvalid      = errors.New("pkcs11: PIN length or characters not accepted")
	ErrPINCancelled    = errors.New("pkcs11: PIN entry cancelled")
	ErrPUKIncorrect    = errors.New("pkcs11: PUK incorrect")
	ErrPUKLocked       = errors.New("pkcs11: PUK locked")
	ErrNotLoggedIn     = errors.New("pkcs11: login required")
	ErrNoSuchObject    = errors.New("pkcs11: no such key or certificate")
	ErrTokenFull       = errors.New("pkcs11: not enough space on the token")
	ErrUnsupported     = errors.New("pkcs11: operation not supported by the token or module")
	ErrLastKey         = errors.New("pkcs11: refusing to delete the only usable key")
	ErrCertKeyMismatch = errors.New("pkcs11: certificate does not match the key with that CKA_ID")
	ErrFailed          = errors.New("pkcs11: operation failed")
	// ErrBusy: the token is logged in as the other user type (CKR_USER_ANOTHER_ALREADY_LOGGED_IN, PKCS#11
	// v2.40 §5.6: one login state per token): another operation on the same card — a second renewal of
	// an AC 2018 card, whose security officer writes the certificates — holds it. Retriable: it ends.
	ErrBusy = errors.New("pkcs11: the token is logged in for another operation")
)

// Error is one failed PKCS#11 call: which operation, which CKR_ code, and the kind it maps to. For PIN
// operations PIN holds the token's retry flags read right after the failure (PKCS#11 v2.40 §3.2,
// CK_TOKEN_INFO flags), so the UI can show "last try" without a second login.
type Error struct {
	Op   string
	RV   uint // the CKR_ value, 0 when the error did not come from the module
	Kind error
	PIN  *PINStatus
	msg  string
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.Error()
	if e.RV != 0 {
		s += fmt.Sprintf(" (%s)", rvName(e.RV))
	}
	if e.msg != "" {
		s += ": " + e.msg
	}
	return s
}

func (e *Error) Unwrap() error { return e.Kind }

// Retriable reports whether trying again (after reinserting the card, or with another PIN) can help.
func (e *Error) Retriable() bool { return ProtocolCode(e).Retriable() }

// who is whose secret a login presented: the user's PIN or the SO's (the PUK on a CNS).
type who int

const (
	whoNone who = iota
	whoUser
	whoSO
)

// kindOf maps a CKR_ value (PKCS#11 v2.40 §5.1 return values) onto a kind. who says whose PIN the call
// carried, because CKR_PIN_INCORRECT means "wrong PUK" when the SO logs in.
func kindOf(rv uint, w who) error {
	switch rv {
	case ck.CKR_PIN_INCORRECT:
		if w == whoSO {
			return ErrPUKIncorrect
		}
		return ErrPINIncorrect
	case ck.CKR_PIN_LOCKED:
		if w == whoSO {
			return ErrPUKLocked
		}
		return ErrPINLocked
	case ck.CKR_PIN_LEN_RANGE, ck.CKR_PIN_INVALID:
		return ErrPINInvalid
	case ck.CKR_FUNCTION_CANCELED:
		return ErrPINCancelled
	case ck.CKR_USER_NOT_LOGGED_IN:
		return ErrNotLoggedIn
	case ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN:
		return ErrBusy
	case ck.CKR_USER_PIN_NOT_INITIALIZED:
		// The module cannot use this card's PIN: OpenSC on ACe 2025 cards (CARDS.md). The vendor
		// middleware is needed, not another PIN.
		return ErrUnsupported
	case ck.CKR_DEVICE_REMOVED, ck.CKR_TOKEN_NOT_PRESENT, ck.CKR_SESSION_HANDLE_INVALID,
		ck.CKR_SESSION_CLOSED, ck.CKR_SLOT_ID_INVALID, ck.CKR_TOKEN_NOT_RECOGNIZED,
		ck.CKR_DEVICE_ERROR:
		return ErrCardRemoved
	case ck.CKR_CRYPTOKI_NOT_INITIALIZED, ck.CKR_GENERAL_ERROR, ck.CKR_HOST_MEMORY,
		ck.CKR_CANT_LOCK:
		return ErrModuleFailed
	case ck.CKR_DEVICE_MEMORY:
		return ErrTokenFull
	case ck.CKR_OBJECT_HANDLE_INVALID, ck.CKR_KEY_HANDLE_INVALID:
		return ErrNoSuchObject
	case ck.CKR_FUNCTION_NOT_SUPPORTED, ck.CKR_MECHANISM_INVALID, ck.CKR_MECHANISM_PARAM_INVALID,
		ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_KEY_FUNCTION_NOT_PERMITTED, ck.CKR_TEMPLATE_INCONSISTENT,
		ck.CKR_ATTRIBUTE_VALUE_INVALID, ck.CKR_TOKEN_WRITE_PROTECTED, ck.CKR_KEY_SIZE_RANGE:
		return ErrUnsupported
	}
	return ErrFailed
}

// wrap turns a module error into an *Error; other errors (already *Error, or ours) pass through.
func wrap(op string, err error, w who) error {
	if err == nil {
		return nil
	}
	var pe ck.Error
	if errors.As(err, &pe) {
		return &Error{Op: op, RV: uint(pe), Kind: kindOf(uint(pe), w)}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Kind: ErrFailed, msg: err.Error()}
}

func fail(op string, kind error, format string, args ...any) error {
	return &Error{Op: op, Kind: kind, msg: fmt.Sprintf(format, args...)}
}

func rvName(rv uint) string {
	// ck.Error's text is the CKR_ name from the specification's table.
	return ck.Error(rv).Error()
}

// codeTable maps each kind onto the protocol's stable error codes (internal/protocol/errors.go).
var codeTable = []struct {
	kind error
	code protocol.Code
}{
	{ErrModuleMissing, protocol.ErrModuleMissing},
	{ErrModuleFailed, protocol.ErrModuleFailed},
	{ErrCardRemoved, protocol.ErrCardRemoved},
	{ErrPINIncorrect, protocol.ErrPINIncorrect},
	{ErrPINLocked, protocol.ErrPINLocked},
	{ErrPINInvalid, protocol.ErrPINInvalid},
	{ErrPINCancelled, protocol.ErrPINCancelled},
	{ErrPUKIncorrect, protocol.ErrPUKIncorrect},
	{ErrPUKLocked, protocol.ErrPUKLocked},
	{ErrNotLoggedIn, protocol.ErrNotLoggedIn},
	{ErrNoSuchObject, protocol.ErrNoSuchObject},
	{ErrTokenFull, protocol.ErrTokenFull},
	{ErrUnsupported, protocol.ErrUnsupported},
	{ErrLastKey, protocol.ErrUnsupported},
	{ErrCertKeyMismatch, protocol.ErrBadRequest},
	{ErrBusy, protocol.ErrCardBusy},
}

// ProtocolCode is the protocol error code for an error of this package (INTERNAL for anything else).
func ProtocolCode(err error) protocol.Code {
	for _, r := range codeTable {
		if errors.Is(err, r.kind) {
			return r.code
		}
	}
	return protocol.ErrInternal
}
