package cmp

import (
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/words"
)

// Code names a kind of failure the UI can switch on; the codes are in the registry of package words
// (area CMP), their words in the extension's catalogue.
type Code = words.Code

// Failure codes of the client (and of the server-side request checks).
const (
	CodeMalformed           Code = "CMP_MALFORMED"
	CodeTransport           Code = "CMP_TRANSPORT"
	CodeNotCMP              Code = "CMP_NOT_CMP_ENDPOINT"
	CodeUnprotected         Code = "CMP_UNPROTECTED"
	CodeBadProtection       Code = "CMP_BAD_PROTECTION"
	CodeUntrustedSigner     Code = "CMP_UNTRUSTED_SIGNER"
	CodeUnauthorizedSigner  Code = "CMP_UNAUTHORIZED_SIGNER"
	CodeRedirect            Code = "CMP_REDIRECT"
	CodeInsecureURL         Code = "CMP_INSECURE_URL"
	CodeTransactionMismatch Code = "CMP_TRANSACTION_MISMATCH"
	CodeNonceMismatch       Code = "CMP_NONCE_MISMATCH"
	CodeCertReqIDMismatch   Code = "CMP_CERTREQID_MISMATCH"
	CodeUnexpectedBody      Code = "CMP_UNEXPECTED_BODY"
	CodeWrongPublicKey      Code = "CMP_WRONG_PUBLIC_KEY"
	CodeUntrustedCert       Code = "CMP_UNTRUSTED_CERT"
	CodeBadPOP              Code = "CMP_BAD_POP"
	CodeUnsupported         Code = "CMP_UNSUPPORTED"
	CodeBadInput            Code = "CMP_BAD_INPUT"
)

// Error is a CMP failure detected by this package. Match it with errors.Is against the Err* values
// (which compare by Code) or errors.As to read Code and Detail.
type Error struct {
	Code   Code
	Detail string // technical detail for logs, English
	Err    error  // underlying cause, if any
}

// Sentinels for errors.Is.
var (
	ErrMalformed           = &Error{Code: CodeMalformed}
	ErrTransport           = &Error{Code: CodeTransport}
	ErrNotCMP              = &Error{Code: CodeNotCMP}
	ErrUnprotected         = &Error{Code: CodeUnprotected}
	ErrBadProtection       = &Error{Code: CodeBadProtection}
	ErrUntrustedSigner     = &Error{Code: CodeUntrustedSigner}
	ErrUnauthorizedSigner  = &Error{Code: CodeUnauthorizedSigner}
	ErrRedirect            = &Error{Code: CodeRedirect}
	ErrInsecureURL         = &Error{Code: CodeInsecureURL}
	ErrTransactionMismatch = &Error{Code: CodeTransactionMismatch}
	ErrNonceMismatch       = &Error{Code: CodeNonceMismatch}
	ErrCertReqIDMismatch   = &Error{Code: CodeCertReqIDMismatch}
	ErrUnexpectedBody      = &Error{Code: CodeUnexpectedBody}
	ErrWrongPublicKey      = &Error{Code: CodeWrongPublicKey}
	ErrUntrustedCert       = &Error{Code: CodeUntrustedCert}
	ErrBadPOP              = &Error{Code: CodeBadPOP}
	ErrUnsupported         = &Error{Code: CodeUnsupported}
	ErrBadInput            = &Error{Code: CodeBadInput}
)

func (e *Error) Error() string {
	msg := "cmp: " + string(e.Code)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error with the same Code, so errors.Is(err, ErrNonceMismatch) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Words is what the user reads: the code's words.
func (e *Error) Words() []words.Message { return []words.Message{words.M(e.Code)} }

// Retriable reports whether trying the same operation again can help (the registry's flag).
func (e *Error) Retriable() bool { return e.Code.Retriable() }

func fail(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), Err: cause}
}

func malformed(what string, err error) *Error {
	return &Error{Code: CodeMalformed, Detail: what, Err: err}
}

// Refusal is a negative answer from the CA: an error message (RFC 9810 §5.3.21) or a certificate
// response with status rejection (§5.3.4). Status carries the failInfo bits and the CA's words.
type Refusal struct {
	Body         BodyType // where the refusal came: error, ip/cp/kup, pollRep...
	Status       PKIStatusInfo
	ErrorCode    int64 // from an error message, when HasErrorCode
	HasErrorCode bool
	ErrorDetails []string
}

func (r *Refusal) Error() string {
	msg := "cmp: the CA refused (" + r.Body.String() + "): " + r.Status.String()
	if len(r.ErrorDetails) > 0 {
		msg += " [" + strings.Join(r.ErrorDetails, "; ") + "]"
	}
	return msg
}

// Words is what the user reads, from the PKIStatusInfo (status.go).
func (r *Refusal) Words() []words.Message { return r.Status.Words() }

// Retriable: only the CA's temporary conditions (RFC 9810 §5.2.3 systemUnavail, systemFailure,
// transactionIdInUse) are worth retrying as they are.
func (r *Refusal) Retriable() bool {
	f := r.Status.FailInfo
	return f.Has(FailSystemUnavail) || f.Has(FailSystemFailure) || f.Has(FailTransactionIDInUse)
}
