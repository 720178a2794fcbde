package ui

import (
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/words"
)

// Offer is what the card list shows next to a certificate: RINNOVA, or why not.
type Offer struct {
	Card, Cert string
	Eligible   bool
	Reason     []words.Message // why not, worded by the screen's catalogue
}

// Flow is the renewal on screen, from the terms to the outcome (seeds 000 and 002).
type Flow struct {
	Screen      FlowScreen
	CardID      string
	CertID      string
	Holder      string
	ProfileID   string
	ProfileName string
	Terms       string
	Privacy     string
	PrivacyAck  bool
	NeedsPUK    bool
	Paid        bool
	PIN         PINView
	Failure     *renew.Failure
	Retriable   bool
	Busy        bool // the PIN is being checked: the form is not sent again
	Paused      bool // card removed mid-renewal: waiting for it to come back
	HostLost    bool // ponte-host stopped mid-renewal: reconnecting, then resuming from the journal
	Steps       []StepView
	RenewalID   string
	NewExpiry   string
	Reinsert    bool
	// ReinsertStep follows the card's events on the success screen of a family that must be taken out
	// and put back (reinsert.go); Advice is the driver advice shown once the card is ready.
	ReinsertStep string
	Advice       Advice
	// Abandon: the PIN screen asks the PIN to cancel the renewal ("Annulla il rinnovo"), not to run it.
	Abandon bool
	// RollbackFailed: the failed renewal's new objects could not be removed from the card; the failure
	// screen says so instead of "the card was not changed".
	RollbackFailed bool
}

// PINView is the token's PIN flags for the PIN screen.
type PINView struct {
	CountLow, FinalTry, Locked, PINPad bool
	// The PUK's flags (CKF_SO_PIN_*), for the families whose renewal asks it.
	PUKCountLow, PUKFinalTry, PUKLocked bool
}

// StepView is one line of the progress list.
type StepView struct {
	Step  renew.Step
	Label string // message key
	State string // "done", "current", "todo"
}

var stepLabels = map[renew.Step]string{
	renew.StepKeygen: "stepKeygen", renew.StepRequest: "stepRequest", renew.StepWaiting: "stepWaiting",
	renew.StepWrite: "stepWrite", renew.StepVerify: "stepVerify", renew.StepConfirm: "stepConfirm", renew.StepCleanup: "stepCleanup",
}

// Steps lists the steps of a renewal of mode with cur as the one under way.
func Steps(mode string, cur renew.Step) []StepView {
	order := []renew.Step{renew.StepKeygen, renew.StepRequest, renew.StepWrite, renew.StepVerify, renew.StepConfirm, renew.StepCleanup}
	if mode == "extend" {
		order = order[1:]
	}
	if cur == renew.StepWaiting {
		cur = renew.StepRequest
	}
	state := "done"
	if cur == renew.StepStart {
		state = "todo"
	}
	out := make([]StepView, 0, len(order))
	for _, s := range order {
		st := state
		if s == cur {
			st, state = "current", "todo"
		}
		if cur == renew.StepDone {
			st = "done"
		}
		out = append(out, StepView{Step: s, Label: stepLabels[s], State: st})
	}
	return out
}
