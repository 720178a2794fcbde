// Package pageapi holds the Go side of Ponte's page API (docs/page-api.md): the allow-list's origin rule
// used by the options page, the stable error codes the consent page answers with, and the decoding of a
// signature request. The codes' one definition is the data table extension/pageapi-codes.json.
package pageapi

import (
	"context"
	"errors"
	"strings"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Code is a stable page-API error code, a row of extension/pageapi-codes.json (a test checks it).
type Code string

// The codes the consent page (wasm/consent.go) answers with; the others come from the service worker
// (extension/pageapi.mjs) or ponte.js.
const (
	BadRequest    Code = "BAD_REQUEST"
	HostMissing   Code = "HOST_MISSING"
	NoCard        Code = "NO_CARD"
	NoCertificate Code = "NO_CERTIFICATE"
	UserCancelled Code = "USER_CANCELLED"
	WrongPIN      Code = "WRONG_PIN"
	PINLocked     Code = "PIN_LOCKED"
	Timeout       Code = "TIMEOUT"
	Internal      Code = "INTERNAL"
	// AuthKeyNotForSigning: a sign request named the authentication key (ErrAuthKeySigns).
	AuthKeyNotForSigning Code = "AUTH_KEY_NOT_FOR_SIGNING"
)

// FromError maps a failure of the host's commands to the page's code.
func FromError(err error) Code {
	if errors.Is(err, ErrAuthKeySigns) {
		return AuthKeyNotForSigning
	}
	var perr *protocol.Error
	if !errors.As(err, &perr) {
		if errors.Is(err, context.DeadlineExceeded) {
			return Timeout
		}
		return Internal
	}
	switch perr.Code {
	case protocol.ErrPINIncorrect, protocol.ErrPINInvalid:
		return WrongPIN
	case protocol.ErrPINLocked:
		return PINLocked
	case protocol.ErrPINCancelled:
		return UserCancelled
	case protocol.ErrNoCard, protocol.ErrCardRemoved, protocol.ErrNoReader, protocol.ErrNoService, protocol.ErrModuleMissing,
		// The card's login ended under the request (the card was reset or taken out and put back): the
		// page asks again, and the new request asks the PIN again (never typed for the user).
		protocol.ErrNotLoggedIn:
		return NoCard
	case protocol.ErrNoSuchObject:
		return NoCertificate
	case protocol.ErrBadRequest:
		return BadRequest
	}
	return Internal
}

// MessageKey is the code's message in the extension's catalogue: "pageErr" and the code in CamelCase
// (WRONG_PIN → pageErrWrongPin), the "message" column of the table (a test checks).
func (c Code) MessageKey() string {
	var b strings.Builder
	b.WriteString("pageErr")
	for _, w := range strings.Split(string(c), "_") {
		if w == "" {
			continue
		}
		b.WriteString(w[:1])
		b.WriteString(strings.ToLower(w[1:]))
	}
	return b.String()
}
