// Package words is Ponte's one vocabulary of failures and the one way they become words. A failure is a
// Code with parameters (Message); the registry (codes.go) says whether trying again can help; the words
// live only in the extension's _locales/<lang>/messages.json (Catalog), under the key Key(code). Errors
// say technical English (Error), as crypto/x509 does; the caller renders words with Catalog.Say. The
// renewal journal stores Messages, never rendered text, so a wording fix reaches old records too.
//
// The WASM passes the catalogue it fetched from the extension; native programs (ponte, ponte-host
// diagnose) use the copy embedded by package extension.
package words

import (
	"errors"
	"strings"
	"unicode"
)

// Message is words to show, kept as a code and its parameters ($1, $2... in the catalogue's text).
type Message struct {
	Code   Code     `json:"code"`
	Params []string `json:"params,omitempty"`
}

// M is the Message of code with params.
func M(code Code, params ...string) Message { return Message{Code: code, Params: params} }

// Key is code's key in messages.json: "err" and the code's words in camel case (PIN_INCORRECT ->
// errPinIncorrect, puk-required -> errPukRequired); chrome.i18n keys are ASCII letters, digits and _.
func Key(code Code) string {
	var b strings.Builder
	b.WriteString("err")
	for _, w := range strings.FieldsFunc(string(code), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
	}
	return b.String()
}

// Say renders ms in c's language, one after the other. A code the catalogue lacks shows as itself with
// its parameters (never silently nothing).
func (c *Catalog) Say(ms ...Message) string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		args := make([]any, len(m.Params))
		for i, p := range m.Params {
			args[i] = p
		}
		s, err := c.T(Key(m.Code), args...)
		if err != nil || !c.Has(Key(m.Code)) {
			s = m.String()
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// String is m in the form Error() uses: the code, then its parameters.
func (m Message) String() string {
	if len(m.Params) == 0 {
		return string(m.Code)
	}
	return string(m.Code) + " (" + strings.Join(m.Params, ", ") + ")"
}

// Worded is an error that carries its words as Messages.
type Worded interface {
	error
	Words() []Message
}

// Of returns the Messages of err (the first Worded in its chain), or nil.
func Of(err error) []Message {
	var w Worded
	if errors.As(err, &w) {
		return w.Words()
	}
	return nil
}

// Error is a failure the user reads: a code, its parameters and the technical cause.
type Error struct {
	Message
	Cause error
}

// New returns the error of code with params, caused by cause (which may be nil).
func New(code Code, cause error, params ...string) *Error {
	return &Error{Message: M(code, params...), Cause: cause}
}

// Error is technical English: the code, its parameters and the cause.
func (e *Error) Error() string {
	if e.Cause == nil {
		return e.String()
	}
	return e.String() + ": " + e.Cause.Error()
}

// Unwrap returns the technical cause.
func (e *Error) Unwrap() error { return e.Cause }

// Words is the error's one Message.
func (e *Error) Words() []Message { return []Message{e.Message} }
