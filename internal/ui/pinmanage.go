package ui

import "github.com/ponte-it/ponte/internal/protocol"

// PINManage is the "Gestione PIN" screen of one card: a new PIN set with the current one (PKCS#11
// C_SetPIN), or with the PUK when the PIN is blocked or forgotten (C_Login as SO with the PUK, then
// C_InitPIN; host/p11/pin.go). Each secret is tried once, never stored (ARCHITECTURE.md).
type PINManage struct {
	CardID  string
	Holder  string
	Unblock bool    // with the PUK
	PIN     PINView // the token's flags, before the operation or as it left them
	MinLen  int     // digits of the new PIN (NewPINRule)
	MaxLen  int
	Problem string     // a message key: the new PIN was refused before reaching the card (CheckNewPIN)
	Error   *Bilingual // what the card or host answered
	Done    bool
	Busy    bool // the card is working on it: the form is not sent again
}

// The CNS PIN and PUK are ASCII digits, 5 to 8 of them (CARDS.md, "PIN: reference 0x10 … ASCII digits
// 5–8 long"); a token that says narrower limits (CK_TOKEN_INFO ulMinPinLen/ulMaxPinLen) narrows them.
const cnsPINMin, cnsPINMax = 5, 8

// NewPINRule is the length a new PIN must have on this token.
func NewPINRule(p protocol.PINStatus) (minLen, maxLen int) {
	minLen, maxLen = cnsPINMin, cnsPINMax
	if p.MinLen > minLen && p.MinLen <= maxLen {
		minLen = p.MinLen
	}
	if p.MaxLen >= minLen && p.MaxLen < maxLen {
		maxLen = p.MaxLen
	}
	return minLen, maxLen
}

// CheckNewPIN refuses, before anything reaches the card, a new PIN that is not minLen to maxLen digits
// or was typed differently the second time: it returns the message key, or "".
func CheckNewPIN(pin, again []byte, minLen, maxLen int) string {
	if len(pin) < minLen || len(pin) > maxLen {
		return "pinNewLength"
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return "pinNewLength"
		}
	}
	if string(pin) != string(again) {
		return "pinNewMismatch"
	}
	return ""
}
