package renew

import (
	"bytes"
	"errors"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// Failure codes the UI acts on (internal/app chooses the next screen by them, never by the text). The
// protocol's own codes (protocol.ErrPUKIncorrect, ...) keep their values when a card error becomes a
// Failure (failureOf).
const (
	CodeAbandoned       = "abandoned"        // closed at the holder's request (Abandon)
	CodeAccountRequired = "account-required" // a paid request needs the prepaid account typed (again)
	CodePUKRequired     = "puk-required"     // the family's renewal needs the PUK too (officer.go)
	CodeCardAbsent      = "card-absent"      // the card left the reader: put it back to go on
	CodeRenewalOpen     = "renewal-open"     // Begin: this certificate's renewal is already under way
	CodeJournalWrite    = "journal-write"    // the journal cannot be saved: stopped at the last recorded step
)

// CodeOf is the code of err's Failure, or "" when err is not one.
func CodeOf(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Code
	}
	return ""
}

// LoginFailure is a failed PIN login as the screens show it: the host's code and its words, else the
// error's own text under "login-failed".
func LoginFailure(err error) *Failure {
	var perr *protocol.Error
	if errors.As(err, &perr) {
		return &Failure{Code: string(perr.Code), Words: perr.Words()}
	}
	return &Failure{Code: "login", Words: []words.Message{words.M("login-failed", err.Error())}}
}

// OpenFor is the unfinished renewal of cert on card among list, or nil: one renewal per certificate at a
// time (a second would make a second new key and orphan the first). Begin refuses a second one by this
// answer and the card list shows SCARICA/RIPRENDI instead of RINNOVA by the same answer.
func OpenFor(list []*Renewal, cardID string, cert protocol.Certificate) *Renewal {
	for _, r := range list {
		if !r.Step.Terminal() && r.Card == cardID && bytes.Equal(r.OldCert, cert.DER) {
			return r
		}
	}
	return nil
}

// ModeOf is the renewal mode ("rekey" or "extend") shown for the progress steps: the record's once it
// exists, else the profile's rule for the certificate's role, else "rekey".
func ModeOf(r *Renewal, p *Profile, role string) string {
	if r != nil && r.Mode != "" {
		return r.Mode
	}
	if p != nil {
		if rule, ok := p.Rule(role); ok && rule.Mode != "" {
			return rule.Mode
		}
	}
	return "rekey"
}
