// Package signerr is the error type of the signing and verification packages: a stable code the UI can
// choose a message from, the message in Italian and English (Italian first), and the technical cause.
package signerr

import "errors"

// Code is a stable identifier of a signing or verification failure.
type Code string

// The codes. Each is produced with its IT/EN text by New.
const (
	NotPDF         Code = "NOT_PDF"
	Truncated      Code = "TRUNCATED"
	Encrypted      Code = "ENCRYPTED"
	BadXref        Code = "BAD_XREF"
	Malformed      Code = "MALFORMED"
	Certified      Code = "CERTIFIED_NO_CHANGES"
	Unsupported    Code = "UNSUPPORTED"
	BadCMS         Code = "BAD_CMS"
	BadCertificate Code = "BAD_CERTIFICATE"
	BadSignature   Code = "BAD_SIGNATURE"
	TooLarge       Code = "PLACEHOLDER_TOO_SMALL"
	TimeStamp      Code = "TIMESTAMP"
	BadInput       Code = "BAD_INPUT"
)

// Error is a failure with a user-facing message in both languages.
type Error struct {
	Code  Code
	IT    string
	EN    string
	Cause error
}

func (e *Error) Error() string {
	s := e.IT + " / " + e.EN
	if e.Cause != nil {
		s += " (" + e.Cause.Error() + ")"
	}
	return s
}

// Unwrap returns the technical cause.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with its code, texts and cause (which may be nil).
func New(code Code, it, en string, cause error) *Error {
	return &Error{Code: code, IT: it, EN: en, Cause: cause}
}

// CodeOf returns the code of err, or "" when err is not (and wraps no) *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
