package pcsc

import (
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/host/pcsc/winscard"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// Error is a PC/SC failure with the protocol's stable code (and so its retriable flag and its words in the
// catalogue), the reader, what was being done, and the cause. Error() is technical English.
type Error struct {
	Code   protocol.Code
	Reader string
	Op     string
	Err    error
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Reader != "" {
		s += fmt.Sprintf(" [%s]", e.Reader)
	}
	if e.Op != "" {
		s += " " + e.Op
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Words is what the user reads: the code's.
func (e *Error) Words() []words.Message { return []words.Message{words.M(e.Code)} }

// Is matches on the code: errors.Is(err, pcsc.ErrCardRemoved).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Reader == "" && t.Op == "" && t.Err == nil
}

// Retriable reports whether trying again can help (card removed, busy, no card, no reader).
func (e *Error) Retriable() bool { return e.Code.Retriable() }

// Sentinels for errors.Is.
var (
	ErrNoReader       = &Error{Code: protocol.ErrNoReader}
	ErrNoCard         = &Error{Code: protocol.ErrNoCard}
	ErrCardRemoved    = &Error{Code: protocol.ErrCardRemoved}
	ErrCardBusy       = &Error{Code: protocol.ErrCardBusy}
	ErrCardUnreadable = &Error{Code: protocol.ErrCardUnreadable}
)

// StatusError is a status word other than success from the card (ISO/IEC 7816-4 §5.6).
type StatusError struct{ SW uint16 }

func (e *StatusError) Error() string {
	return fmt.Sprintf("status word %04X (%s)", e.SW, swMeaning(e.SW))
}

// swMeaning names the status words a CNS reader meets (ISO/IEC 7816-4 tables 6-7).
func swMeaning(sw uint16) string {
	switch {
	case sw == 0x6A82:
		return "file not found"
	case sw == 0x6982:
		return "security status not satisfied"
	case sw == 0x6985:
		return "conditions of use not satisfied"
	case sw == 0x6986:
		return "command not allowed: no current EF"
	case sw == 0x6981:
		return "command incompatible with file structure"
	case sw == 0x6B00:
		return "wrong parameters: offset outside the EF"
	case sw == 0x6A86:
		return "incorrect P1-P2"
	case sw == 0x6A87:
		return "Lc inconsistent with P1-P2"
	case sw == 0x6700:
		return "wrong length"
	case sw == 0x6D00:
		return "instruction not supported"
	case sw == 0x6E00:
		return "class not supported"
	case sw == 0x6282:
		return "end of file reached before Le bytes"
	case sw&0xFF00 == 0x6C00:
		return "wrong Le"
	case sw&0xFF00 == 0x6100:
		return "more bytes available"
	}
	return "error"
}

// ErrFileNotFound is the card saying 6A82 to a SELECT: the file does not exist on this card.
var ErrFileNotFound = &StatusError{SW: 0x6A82}

// Is makes errors.Is(err, pcsc.ErrFileNotFound) match by status word.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	return ok && t.SW == e.SW
}

// classify turns a PC/SC return code into an Error with the protocol code that says what to do.
func classify(reader, op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	code := protocol.ErrCardUnreadable
	var se winscard.Error
	if errors.As(err, &se) {
		switch se {
		case winscard.ErrRemovedCard, winscard.ErrResetCard, winscard.ErrUnpoweredCard:
			code = protocol.ErrCardRemoved
		case winscard.ErrNoSmartcard:
			code = protocol.ErrNoCard
		case winscard.ErrUnknownReader, winscard.ErrReaderUnavailable, winscard.ErrNoReadersAvailable:
			code = protocol.ErrNoReader
		case winscard.ErrNoService, winscard.ErrServiceStopped:
			code = protocol.ErrNoService
		case winscard.ErrSharingViolation:
			code = protocol.ErrCardBusy
		case winscard.ErrUnresponsiveCard, winscard.ErrUnsupportedCard:
			code = protocol.ErrCardUnreadable
		}
	}
	return &Error{Code: code, Reader: reader, Op: op, Err: err}
}
