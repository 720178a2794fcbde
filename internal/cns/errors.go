package cns

import (
	"errors"
	"fmt"
)

// ErrorKind says what kind of bad input an Error reports; callers test it with errors.Is.
type ErrorKind int

const (
	ErrATRMalformed ErrorKind = iota + 1
	ErrATRChecksum
	ErrDatiPersonaliMalformed
	ErrDatiPersonaliTruncated
	ErrIDCartaMalformed
	ErrNotEncodable
)

// Error is bad card data, in technical English: a parsing package carries no user text (the host reports
// the card as CARD_UNREADABLE, whose words the catalogue holds; this is the detail for logs).
type Error struct {
	Kind   ErrorKind
	Detail string
}

func (e *Error) Error() string { return e.Detail }

// Is makes errors.Is(err, &Error{Kind: k}) match on the kind alone.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind
}

func newError(k ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}
