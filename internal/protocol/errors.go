package protocol

import (
	"fmt"

	"github.com/ponte-it/ponte/internal/words"
)

// Code is a stable error code of the registry (package words, area Host). The UI chooses what to say
// from the code (never from Message, which is a technical detail for logs), and whether to offer "try
// again" from Retriable — as Web eID does.
type Code = words.Code

// Error is the error half of a response.
type Error struct {
	Code      Code   `json:"code"`
	Message   string `json:"message"`
	Retriable bool   `json:"retriable"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Words is what the user reads for the error: its code (the Message is for logs).
func (e *Error) Words() []words.Message { return []words.Message{words.M(e.Code)} }

// The codes. Adding one means adding its row to words' registry and its words to _locales.
const (
	ErrBadRequest      Code = "BAD_REQUEST"
	ErrUnknownCommand  Code = "UNKNOWN_COMMAND"
	ErrTooLarge        Code = "TOO_LARGE"
	ErrVersionMismatch Code = "VERSION_MISMATCH"
	ErrNotReady        Code = "HELLO_REQUIRED"
	ErrOriginRefused   Code = "ORIGIN_REFUSED"
	ErrInternal        Code = "INTERNAL"
	ErrNoService       Code = "PCSC_UNAVAILABLE"
	ErrNoReader        Code = "NO_READER"
	ErrNoCard          Code = "NO_CARD"
	ErrCardRemoved     Code = "CARD_REMOVED"
	ErrCardBusy        Code = "CARD_BUSY"
	ErrCardUnreadable  Code = "CARD_UNREADABLE"
	ErrModuleMissing   Code = "MODULE_MISSING"
	ErrModuleFailed    Code = "MODULE_FAILED"
	ErrPINIncorrect    Code = "PIN_INCORRECT"
	ErrPINLocked       Code = "PIN_LOCKED"
	ErrPINInvalid      Code = "PIN_INVALID"
	ErrPINCancelled    Code = "PIN_CANCELLED"
	ErrPUKIncorrect    Code = "PUK_INCORRECT"
	ErrPUKLocked       Code = "PUK_LOCKED"
	ErrNotLoggedIn     Code = "NOT_LOGGED_IN"
	ErrNoSuchObject    Code = "NO_SUCH_OBJECT"
	ErrTokenFull       Code = "TOKEN_FULL"
	ErrUnsupported     Code = "UNSUPPORTED"
	ErrRenewalBusy     Code = "RENEWAL_BUSY"
)

// Errorf builds an error with the code's retriable flag and a technical detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Retriable: code.Retriable()}
}
