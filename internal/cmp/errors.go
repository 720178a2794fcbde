package cmp

import (
	"errors"
	"fmt"
	"strings"
)

// Code names a kind of failure the UI can switch on; the wording for users is in codeTable.
type Code string

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

type codeRow struct {
	code      Code
	retriable bool
	it, en    string
}

// codeTable: what each failure means for the user, Italian then English.
var codeTable = []codeRow{
	{CodeMalformed, false, "la risposta della CA non è un messaggio CMP valido", "the CA's answer is not a valid CMP message"},
	{CodeTransport, true, "impossibile comunicare con la CA: controllare la connessione e riprovare", "cannot reach the CA: check the connection and try again"},
	{CodeNotCMP, false, "l'indirizzo configurato non risponde come un servizio CMP: verificare il profilo della CA", "the configured address does not answer as a CMP service: check the CA profile"},
	{CodeUnprotected, false, "risposta della CA priva di protezione: scartata per sicurezza", "the CA's answer is not protected: discarded for safety"},
	{CodeBadProtection, false, "la firma o la password della risposta della CA non è valida: risposta scartata", "the signature or password of the CA's answer is not valid: answer discarded"},
	{CodeUntrustedSigner, false, "la risposta è firmata da un certificato non riconducibile alla CA configurata", "the answer is signed by a certificate that does not lead to the configured CA"},
	{CodeUnauthorizedSigner, false, "la risposta è firmata da un certificato che non è quello della CA o della sua RA: scartata", "the answer is signed by a certificate that is not the CA's or its RA's: discarded"},
	{CodeRedirect, false, "la CA ha risposto con un reindirizzamento, che non viene seguito: verificare l'indirizzo nel profilo della CA", "the CA answered with a redirect, which is not followed: check the address in the CA profile"},
	{CodeInsecureURL, false, "l'indirizzo della CA non è https: le credenziali non vengono inviate", "the CA's address is not https: the credentials are not sent"},
	{CodeTransactionMismatch, false, "la risposta appartiene a un'altra transazione: scartata", "the answer belongs to another transaction: discarded"},
	{CodeNonceMismatch, false, "la risposta non corrisponde alla richiesta inviata (nonce errato): possibile replay, scartata", "the answer does not match the request sent (wrong nonce): possible replay, discarded"},
	{CodeCertReqIDMismatch, false, "la risposta riguarda una richiesta di certificato diversa", "the answer concerns a different certificate request"},
	{CodeUnexpectedBody, false, "la CA ha risposto con un messaggio inatteso", "the CA answered with an unexpected message"},
	{CodeWrongPublicKey, false, "il certificato emesso non contiene la chiave pubblica richiesta: non viene usato", "the issued certificate does not hold the requested public key: it is not used"},
	{CodeUntrustedCert, false, "il certificato emesso non è riconducibile alla CA configurata: non viene usato", "the issued certificate does not lead to the configured CA: it is not used"},
	{CodeBadPOP, false, "la prova di possesso della chiave nella richiesta non è valida", "the proof of possession of the key in the request is not valid"},
	{CodeUnsupported, false, "algoritmo o funzione CMP non supportati", "CMP algorithm or feature not supported"},
	{CodeBadInput, false, "dati della richiesta non validi", "invalid request data"},
}

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
	_, en := e.Text()
	msg := "cmp: " + en
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

// Text is the user message, Italian and English.
func (e *Error) Text() (it, en string) {
	for _, r := range codeTable {
		if r.code == e.Code {
			return r.it, r.en
		}
	}
	return string(e.Code), string(e.Code)
}

// Retriable reports whether trying the same operation again can help.
func (e *Error) Retriable() bool {
	for _, r := range codeTable {
		if r.code == e.Code {
			return r.retriable
		}
	}
	return false
}

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
	_, en := r.Text()
	msg := "cmp: the CA refused (" + r.Body.String() + ", status " + r.Status.Status.String()
	if names := r.Status.FailInfo.Names(); len(names) > 0 {
		msg += ", failInfo " + strings.Join(names, ",")
	}
	msg += "): " + en
	if len(r.ErrorDetails) > 0 {
		msg += " [" + strings.Join(r.ErrorDetails, "; ") + "]"
	}
	return msg
}

// Text is the user message, Italian and English, from the PKIStatusInfo (status.go).
func (r *Refusal) Text() (it, en string) { return r.Status.Text() }

// Retriable: only the CA's temporary conditions (RFC 9810 §5.2.3 systemUnavail, systemFailure,
// transactionIdInUse) are worth retrying as they are.
func (r *Refusal) Retriable() bool {
	f := r.Status.FailInfo
	return f.Has(FailSystemUnavail) || f.Has(FailSystemFailure) || f.Has(FailTransactionIDInUse)
}

// Texter is what both *Error and *Refusal offer the UI.
type Texter interface {
	error
	Text() (it, en string)
	Retriable() bool
}

// UserText returns the Italian and English message for any error this package returns; other errors
// (e.g. a card failure from the crypto.Signer) get a generic text plus their own.
func UserText(err error) (it, en string) {
	var t Texter
	if errors.As(err, &t) {
		return t.Text()
	}
	return "errore durante la comunicazione con la CA: " + err.Error(), "error while talking to the CA: " + err.Error()
}
