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

// Error is bad card data, said in Italian and in English (Italian first, as every user-facing message).
type Error struct {
	Kind   ErrorKind
	IT, EN string
}

func (e *Error) Error() string { return e.IT + " / " + e.EN }

// Is makes errors.Is(err, &Error{Kind: k}) match on the kind alone.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind
}

func newError(k ErrorKind, it, en string, args ...any) *Error {
	return &Error{Kind: k, IT: fmt.Sprintf(it, args...), EN: fmt.Sprintf(en, args...)}
}
