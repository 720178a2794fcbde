package app

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// toPIN walks RINNOVA, terms and privacy to the PIN screen of the card's CNS certificate.
func toPIN(t *testing.T, h *harness) {
	t.Helper()
	if s := h.do(OpenRenewal{Card: "card1", Cert: "01"}); s.Flow == nil || s.Flow.Screen != ui.FlowTerms || s.Flow.Terms != "condizioni" {
		t.Fatalf("RINNOVA: %+v", s.Flow)
	}
	if s := h.do(AcceptTerms{}); s.Flow.Screen != ui.FlowPrivacy {
		t.Fatalf("terms accepted: screen %q", s.Flow.Screen)
	}
	if s := h.do(AcceptPrivacy{}); s.Flow.Screen != ui.FlowPrivacy { // not ticked: stays
		t.Fatalf("privacy not ticked: screen %q", s.Flow.Screen)
	}
	h.do(PrivacyAck{On: true})
	if s := h.do(AcceptPrivacy{}); s.Flow.Screen != ui.FlowPIN {
		t.Fatalf("privacy accepted: screen %q", s.Flow.Screen)
	}
}

func TestRenewalScreensToSuccess(t *testing.T) {
	w := newWorld(t)
	w.eng.jobs = make(chan RenewJob, 1)
	h := w.app(t)
	if h.do(AcceptTerms{}).Flow != nil { // no renewal open: nothing to accept
		t.Fatal("terms accepted with no renewal on screen")
	}
	toPIN(t, h)
	pin := protocol.Secret("12345")
	h.do(SubmitPIN{PIN: pin})
	s := h.until("success", func(s ui.State) bool { return s.Flow.Screen == ui.FlowSuccess })
	job := <-w.eng.jobs
	if job.Accepted == nil || job.Accepted.Terms == "" || job.Accepted.Lang != "it" || job.Renewal != nil || job.Cert.ID != "01" || job.Abandon {
		t.Errorf("engine job: %+v", job)
	}
	if s.Flow.NewExpiry == "" || s.Flow.Steps[len(s.Flow.Steps)-1].State != "done" {
		t.Errorf("success screen: expiry %q steps %+v", s.Flow.NewExpiry, s.Flow.Steps)
	}
	h.idle()
	if w.calls.count("login") != 1 || w.calls.count("renew") != 1 || w.page.guard {
		t.Errorf("calls %v, guard left %v", w.calls.log, w.page.guard)
	}
	if !wiped(pin) {
		t.Error("the PIN was not wiped after the renewal")
	}
	if s := h.do(CloseRenewal{}); s.Flow != nil || w.calls.count("refresh") == 0 {
		t.Errorf("closed: flow %+v, refreshes %d", s.Flow, w.calls.count("refresh"))
	}
}

// loginUnderWay is the PIN screen with pin sent and the card's login waiting for the test's gate.
func loginUnderWay(t *testing.T, pin protocol.Secret) (*world, *harness) {
	w := newWorld(t)
	w.cardFx.loginGate = make(gate)
	h := w.app(t)
	toPIN(t, h)
	h.do(SubmitPIN{PIN: pin})
	return w, h
}

// A double click on the PIN form logs in once: the second PIN is wiped unused.
func TestRenewalPINDoubleClick(t *testing.T) {
	w, h := loginUnderWay(t, protocol.Secret("12345"))
	second := protocol.Secret("12345")
	if s := h.do(SubmitPIN{PIN: second}); !s.Flow.Busy {
		t.Error("the PIN screen does not show the login under way")
	}
	if !wiped(second) {
		t.Error("the second click's PIN was kept")
	}
	close(w.cardFx.loginGate)
	h.until("success", func(s ui.State) bool { return s.Flow.Screen == ui.FlowSuccess })
	h.idle()
	if n := w.calls.count("login"); n != 1 {
		t.Errorf("%d logins for a double click", n)
	}
	if n := w.calls.count("renew"); n != 1 {
		t.Errorf("%d renewals for a double click", n)
	}
}

// Annulla while the PIN is checked: the login's late answer starts nothing.
func TestRenewalLateLoginAfterCancel(t *testing.T) {
	pin := protocol.Secret("12345")
	w, h := loginUnderWay(t, pin)
	if s := h.do(CloseRenewal{}); s.Flow != nil || !wiped(pin) {
		t.Fatalf("Annulla during the login: %+v, PIN wiped %v", s.Flow, wiped(pin))
	}
	// A new renewal opened meanwhile is not moved by the old answer either.
	h.do(OpenRenewal{Card: "card1", Cert: "02"})
	close(w.cardFx.loginGate)
	h.dropped()
	s := h.c.State()
	if s.Flow == nil || s.Flow.Screen != ui.FlowTerms || w.calls.count("renew") != 0 || !wiped(pin) {
		t.Errorf("after the late answer: flow %+v, calls %v, PIN wiped %v", s.Flow, w.calls.log, wiped(pin))
	}
}

// A wrong PIN stays on the PIN screen with the card's flags; a new submission is a new try.
func TestRenewalWrongPIN(t *testing.T) {
	w := newWorld(t)
	w.cardFx.loginErr = &protocol.Error{Code: protocol.ErrPINIncorrect, Retriable: true}
	w.cardFx.loginFlag = protocol.PINStatus{FinalTry: true}
	h := w.app(t)
	toPIN(t, h)
	h.do(SubmitPIN{PIN: protocol.Secret("00000")})
	s := h.until("the failure on the PIN screen", func(s ui.State) bool { return s.Flow.Failure != nil })
	if s.Flow.Screen != ui.FlowPIN || s.Flow.Failure.Code != string(protocol.ErrPINIncorrect) || !s.Flow.PIN.FinalTry || s.Flow.Busy {
		t.Errorf("wrong PIN: %+v", s.Flow)
	}
	w.cardFx.loginErr = &protocol.Error{Code: protocol.ErrPINLocked}
	h.idle()
	h.do(SubmitPIN{PIN: protocol.Secret("00001")})
	s = h.until("the PIN locked", func(s ui.State) bool { return s.Flow.PIN.Locked })
	h.idle()
	if w.calls.count("login") != 2 || w.calls.count("renew") != 0 {
		t.Errorf("calls %v", w.calls.log)
	}
	// From the locked PIN's screen, "Sblocca PIN" leaves the renewal (nothing of it began).
	if s := h.do(OpenPINManage{Card: "card1", Unblock: true}); s.Flow != nil || s.PINManage == nil || !s.PINManage.Unblock {
		t.Errorf("unblock from the renewal: flow %+v manage %+v", s.Flow, s.PINManage)
	}
}

// Each outcome of the engine leads to its screen, chosen by code.
func TestRenewalOutcomes(t *testing.T) {
	fail := func(code string, retriable bool) error {
		return &renew.Failure{Code: code, IT: "x", EN: "x", Retriable: retriable}
	}
	cases := []struct {
		name     string
		r        *renew.Renewal
		err      error
		gone     bool
		screen   ui.FlowScreen
		check    func(f *ui.Flow) bool
		reconnet bool
	}{
		{"waiting", &renew.Renewal{ID: "r1", Step: renew.StepWaiting}, renew.ErrPending, false, ui.FlowWaiting, nil, false},
		{"abandoned", &renew.Renewal{ID: "r1", Step: renew.StepFailed, Failure: &renew.Failure{Code: renew.CodeAbandoned}}, nil, false, ui.FlowAbandoned, nil, false},
		{"puk", &renew.Renewal{ID: "r1"}, fail(renew.CodePUKRequired, true), false, ui.FlowPIN,
			func(f *ui.Flow) bool { return f.Failure.Code == renew.CodePUKRequired }, false},
		{"wrong puk", &renew.Renewal{ID: "r1"}, fail(string(protocol.ErrPUKIncorrect), true), false, ui.FlowPIN, nil, false},
		{"account", &renew.Renewal{ID: "r1"}, fail(renew.CodeAccountRequired, true), false, ui.FlowPIN,
			func(f *ui.Flow) bool { return f.Paid }, false},
		{"card removed", &renew.Renewal{ID: "r1", Step: renew.StepWrite}, fail(string(protocol.ErrCardRemoved), true), false, ui.FlowProgress,
			func(f *ui.Flow) bool { return f.Paused }, false},
		{"card absent", &renew.Renewal{ID: "r1", Step: renew.StepWrite}, fail(renew.CodeCardAbsent, true), false, ui.FlowProgress,
			func(f *ui.Flow) bool { return f.Paused }, false},
		{"refused", &renew.Renewal{ID: "r1", Step: renew.StepFailed}, fail("ca-refused", false), false, ui.FlowFailure,
			func(f *ui.Flow) bool { return !f.Retriable && f.RenewalID == "r1" && f.Failure.Code == "ca-refused" }, false},
		{"rollback failed", &renew.Renewal{ID: "r1", Step: renew.StepFailed, RollbackFailed: true}, fail("ca-refused", false), false, ui.FlowFailure,
			func(f *ui.Flow) bool { return f.RollbackFailed }, false},
		{"plain error", nil, errors.New("boom"), false, ui.FlowFailure, func(f *ui.Flow) bool { return f.Failure.Code == "internal" }, false},
		{"host gone", &renew.Renewal{ID: "r1", Step: renew.StepWrite}, fail("interrupted", true), true, ui.FlowProgress,
			func(f *ui.Flow) bool { return f.HostLost && !f.Paused }, true},
		// The words do not choose the screen: a failure whose text says "puk-required" is a failure.
		{"words are not codes", &renew.Renewal{ID: "r1"}, &renew.Failure{Code: "ca-x", IT: "puk-required", EN: "card-absent", Retriable: true}, false, ui.FlowFailure, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.eng.out = func(RenewJob) (*renew.Renewal, error) { return tc.r, tc.err }
			w.page.gone = tc.gone
			h := w.app(t)
			toPIN(t, h)
			h.do(SubmitPIN{PIN: protocol.Secret("12345")})
			h.idle()
			f := h.c.State().Flow
			if f.Screen != tc.screen || tc.check != nil && !tc.check(f) {
				t.Errorf("screen %q, flow %+v", f.Screen, f)
			}
			if got := w.calls.count("reconnect") == 1; got != tc.reconnet {
				t.Errorf("reconnect asked: %v", got)
			}
			if w.page.guard {
				t.Error("the leave-page guard stayed on")
			}
		})
	}
}

func TestClassifyByCode(t *testing.T) {
	for code, want := range map[string]Outcome{
		renew.CodePUKRequired: OutcomeAskAgain, renew.CodeAccountRequired: OutcomeAskAgain,
		string(protocol.ErrPUKLocked): OutcomeAskAgain, string(protocol.ErrPUKIncorrect): OutcomeAskAgain,
		renew.CodeCardAbsent: OutcomePaused, string(protocol.ErrNoCard): OutcomePaused, string(protocol.ErrCardRemoved): OutcomePaused,
		"ca-refused": OutcomeFailed, "login": OutcomeFailed, renew.CodeRenewalOpen: OutcomeFailed,
	} {
		err := fmt.Errorf("wrapped: %w", &renew.Failure{Code: code, Retriable: true})
		if got := Classify(nil, err); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
	// A card gone is a pause only when the engine says it can go on.
	if got := Classify(nil, &renew.Failure{Code: renew.CodeCardAbsent}); got != OutcomeFailed {
		t.Errorf("non-retriable card-absent: %v", got)
	}
}

// The card taken out mid-renewal pauses it; only the same card coming back asks the PIN again.
func TestRenewalCardRemovedMidFlow(t *testing.T) {
	w := newWorld(t)
	w.eng.out = func(j RenewJob) (*renew.Renewal, error) {
		return &renew.Renewal{ID: "r1", Step: renew.StepWrite}, &renew.Failure{Code: string(protocol.ErrCardRemoved), Retriable: true}
	}
	h := w.app(t)
	toPIN(t, h)
	h.do(SubmitPIN{PIN: protocol.Secret("12345")})
	h.until("paused", func(s ui.State) bool { return s.Flow.Paused })
	other := &protocol.Card{ID: "card2"}
	if s := h.do(CardsRead{Readers: []protocol.Reader{{Card: other}}, Inserted: true}); !s.Flow.Paused {
		t.Error("another card resumed the renewal")
	}
	if s := h.do(CardsRead{Readers: []protocol.Reader{{Card: w.card}}}); !s.Flow.Paused {
		t.Error("a re-reading without an insertion resumed the renewal")
	}
	s := h.do(CardsRead{Readers: []protocol.Reader{{Card: w.card}}, Inserted: true})
	if s.Flow.Paused || s.Flow.Screen != ui.FlowPIN {
		t.Errorf("the card back: %+v", s.Flow)
	}
	// The progress screen cannot be left while the engine writes.
	w.eng.gate = make(gate)
	w.eng.out = func(j RenewJob) (*renew.Renewal, error) { return &renew.Renewal{ID: "r1", Step: renew.StepDone}, nil }
	h.do(SubmitPIN{PIN: protocol.Secret("12345")})
	h.until("progress", func(s ui.State) bool { return s.Flow.Screen == ui.FlowProgress })
	if s := h.do(CloseRenewal{}); s.Flow == nil {
		t.Error("the renewal left the screen while the engine ran")
	}
	close(w.eng.gate)
	h.until("success", func(s ui.State) bool { return s.Flow.Screen == ui.FlowSuccess })
}

// RIPRENDI and "Annulla il rinnovo" from the journal; the host lost and found again.
func TestRenewalResumeAbandonAndHostBack(t *testing.T) {
	w := newWorld(t)
	w.journal.records["r9"] = &renew.Renewal{ID: "r9", Card: "card1", Profile: "test-ca", Mode: "extend", Step: renew.StepWaiting, NeedsPUK: true}
	w.journal.records["gone"] = &renew.Renewal{ID: "gone", Card: "card7", Profile: "test-ca", Step: renew.StepWaiting}
	w.eng.jobs = make(chan RenewJob, 4)
	w.eng.out = func(j RenewJob) (*renew.Renewal, error) {
		j.Renewal.Step, j.Renewal.Failure = renew.StepFailed, &renew.Failure{Code: renew.CodeAbandoned}
		return j.Renewal, nil
	}
	h := w.app(t)
	h.do(ResumeRenewal{ID: "gone"})
	s := h.until("resume-missing", func(s ui.State) bool { return s.Flow != nil })
	if s.Flow.Screen != ui.FlowFailure || s.Flow.Failure.Code != "resume-missing" {
		t.Errorf("resume without the card: %+v", s.Flow)
	}
	h.do(CloseRenewal{})
	h.do(ResumeRenewal{ID: "r9", Abandon: true})
	s = h.until("the PIN to abandon", func(s ui.State) bool { return s.Flow != nil && s.Flow.Screen == ui.FlowPIN })
	if !s.Flow.Abandon || !s.Flow.NeedsPUK || s.Flow.RenewalID != "r9" {
		t.Errorf("abandon's PIN screen: %+v", s.Flow)
	}
	h.do(SubmitPIN{PIN: protocol.Secret("12345"), PUK: protocol.Secret("87654321")})
	h.until("abandoned", func(s ui.State) bool { return s.Flow.Screen == ui.FlowAbandoned })
	if j := <-w.eng.jobs; !j.Abandon || j.Renewal == nil || j.Renewal.ID != "r9" || j.Logins == nil {
		t.Errorf("abandon job: %+v", j)
	}
	if s := h.do(ResumeRenewal{ID: "nope"}); s.Problem != nil {
		t.Fatal("problem before the journal answered")
	}
	h.until("not found", func(s ui.State) bool { return s.Problem != nil })

	// The host stops mid-renewal: reconnecting; once back, the journal's record resumes with the PIN.
	h.do(CloseRenewal{})
	w.journal.records["r9"].Step, w.journal.records["r9"].Failure = renew.StepWaiting, nil
	w.page.gone = true
	w.eng.out = func(j RenewJob) (*renew.Renewal, error) {
		return j.Renewal, &renew.Failure{Code: "interrupted", Retriable: true}
	}
	h.do(ResumeRenewal{ID: "r9"})
	h.until("PIN", func(s ui.State) bool { return s.Flow != nil && s.Flow.Screen == ui.FlowPIN })
	h.do(SubmitPIN{PIN: protocol.Secret("12345"), PUK: protocol.Secret("87654321")})
	h.until("host lost", func(s ui.State) bool { return s.Flow.HostLost })
	w.page.gone = false
	h.do(HostBack{})
	s = h.until("resumed after the host came back", func(s ui.State) bool { return s.Flow.Screen == ui.FlowPIN && !s.Flow.HostLost })
	if s.Flow.RenewalID != "r9" || w.calls.count("reconnect") != 1 {
		t.Errorf("after the host came back: %+v", s.Flow)
	}
	h.idle()
	h.do(HostNotBack{}) // not lost any more: nothing happens
	if s := h.c.State(); s.Flow.Screen != ui.FlowPIN {
		t.Errorf("HostNotBack moved a live renewal: %q", s.Flow.Screen)
	}
}

func TestRenewalHostNotBack(t *testing.T) {
	w := newWorld(t)
	w.page.gone = true
	w.eng.out = func(j RenewJob) (*renew.Renewal, error) { return nil, errors.New("closed") }
	h := w.app(t)
	toPIN(t, h)
	h.do(SubmitPIN{PIN: protocol.Secret("12345")})
	h.until("host lost", func(s ui.State) bool { return s.Flow.HostLost })
	h.do(HostBack{}) // before the first record: the PIN again
	if s := h.c.State(); s.Flow.Screen != ui.FlowPIN || s.Flow.HostLost {
		t.Errorf("host back before the first record: %+v", s.Flow)
	}
	h.do(SubmitPIN{PIN: protocol.Secret("12345")})
	h.until("host lost again", func(s ui.State) bool { return s.Flow.HostLost })
	s := h.do(HostNotBack{})
	if s.Flow.Screen != ui.FlowFailure || s.Flow.Failure.Code != "host-lost" || s.Flow.Retriable {
		t.Errorf("host not back: %+v", s.Flow)
	}
}
