package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// The renewal's screens (seed 000: RINNOVA, terms, privacy, PIN, progress, outcome; seed 002: the paid
// account): ui.Flow is what they show, renewalRun what they need beyond it.
type renewalRun struct {
	card    *protocol.Card
	cert    protocol.Certificate
	profile *renew.Profile
	renewal *renew.Renewal // set when resuming or once begun
	// accepted: the terms and privacy the holder accepted on the screens (nil when resuming: the journal
	// has them).
	accepted *renew.Acceptance
}

// loginTimeout: PIN-pad readers wait for the user.
const loginTimeout = 5 * time.Minute

// hostTimeout bounds a call to ponte-host that does not wait for the user.
const hostTimeout = 30 * time.Second

// Now is the controller's clock (the tests set it).
var Now = time.Now

// OpenRenewal is RINNOVA on a certificate: the terms of the first CA profile that can renew it.
type OpenRenewal struct{ Card, Cert string }

func (a OpenRenewal) apply(c *Controller) {
	if c.s.Flow != nil || c.busy != nil {
		return
	}
	card := c.findCard(a.Card)
	if card == nil {
		return
	}
	var cert protocol.Certificate
	for _, x := range card.Certificates {
		if x.ID == a.Cert {
			cert = x
		}
	}
	var profile *renew.Profile
	for _, p := range c.profiles {
		if renew.Eligible(p, card, cert, Now()) == nil {
			profile = p
			break
		}
	}
	if profile == nil {
		return
	}
	c.renewal = &renewalRun{card: card, cert: cert, profile: profile}
	lang := c.s.Lang
	c.s.PINManage = nil
	c.s.Flow = &ui.Flow{Screen: ui.FlowTerms, CardID: card.ID, CertID: cert.ID, Holder: HolderName(card),
		ProfileID: profile.ID, ProfileName: profile.Name, Terms: profile.Terms.In(lang), Privacy: profile.Privacy.In(lang),
		Paid: profile.Paid, PIN: PINViewOf(card), Reinsert: card.Family.Reinsert, NeedsPUK: card.Family.NeedsPUK}
}

// AcceptTerms is "Procedi" under the CA's terms.
type AcceptTerms struct{}

func (AcceptTerms) apply(c *Controller) {
	if f := c.s.Flow; f != nil && f.Screen == ui.FlowTerms {
		f.Screen = ui.FlowPrivacy
	}
}

// PrivacyAck is the privacy notice's tick box.
type PrivacyAck struct{ On bool }

func (a PrivacyAck) apply(c *Controller) {
	if f := c.s.Flow; f != nil && f.Screen == ui.FlowPrivacy {
		f.PrivacyAck = a.On
	}
}

// AcceptPrivacy is RINNOVA under the privacy notice, ticked: the versions accepted, in the language
// shown, are journaled and sent to the CA.
type AcceptPrivacy struct{}

func (AcceptPrivacy) apply(c *Controller) {
	f := c.s.Flow
	if f == nil || f.Screen != ui.FlowPrivacy || !f.PrivacyAck || c.renewal == nil {
		return
	}
	f.Screen = ui.FlowPIN
	c.renewal.accepted = c.renewal.profile.Accept(c.s.Lang, Now())
}

// CloseRenewal is Annulla / Chiudi / "Torna alle tessere": the renewal leaves the screen. A login under
// way is abandoned (its answer is dropped); while the engine writes to the card the screen stays.
type CloseRenewal struct{}

func (CloseRenewal) apply(c *Controller) {
	if c.s.Flow == nil || !c.leave() {
		return
	}
	c.renewal, c.s.Flow = nil, nil
	c.refresh()
}

// ResumeRenewal is RIPRENDI / SCARICA (or, with Abandon, "Annulla il rinnovo") on a journaled renewal:
// the PIN first (the card session did not survive), then the engine carries on from the recorded step
// or cancels it (the old key signs the rejection or revocation, so the PIN is needed too).
type ResumeRenewal struct {
	ID      string
	Abandon bool
}

func (a ResumeRenewal) apply(c *Controller) {
	if !c.leave() { // from a failure or waiting screen: nothing is under way, or a login is left
		return
	}
	c.start(true, func(ctx context.Context, _ uint64) Action {
		ctx, cancel := context.WithTimeout(ctx, hostTimeout)
		defer cancel()
		r, err := c.fx.Journal.Load(ctx, a.ID)
		return resumeLoaded{r: r, err: err, abandon: a.Abandon}
	})
}

type resumeLoaded struct {
	r       *renew.Renewal
	err     error
	abandon bool
}

func (a resumeLoaded) apply(c *Controller) {
	if a.err != nil {
		c.s.Problem = ProblemOf(a.err)
		return
	}
	r := a.r
	profile, card := c.profile(r.Profile), c.findCard(r.Card)
	c.s.PINManage = nil
	if profile == nil || card == nil {
		c.renewal = nil
		c.s.Flow = &ui.Flow{Screen: ui.FlowFailure, RenewalID: r.ID, Retriable: true, Holder: r.Holder,
			Failure: renew.NewFailure("resume-missing")}
		return
	}
	c.renewal = &renewalRun{card: card, profile: profile, renewal: r}
	c.s.Flow = &ui.Flow{Screen: ui.FlowPIN, CardID: card.ID, Holder: r.Holder, ProfileID: profile.ID, ProfileName: profile.Name,
		Paid: r.NeedsAccount(profile), PIN: PINViewOf(card), RenewalID: r.ID, Reinsert: card.Family.Reinsert,
		NeedsPUK: r.NeedsPUK, Abandon: a.abandon} // the journal has the flags, never the PUK or the account: asked again
}

// SubmitPIN is the PIN screen's form: the PIN (with the PUK and the prepaid account when asked), read
// and cleared from the fields by the page. One login, never retried; then the engine runs. Taken only
// on the PIN screen with nothing under way: a second click is wiped unused.
type SubmitPIN struct {
	PIN, PUK, AccountID, Password protocol.Secret
}

func (a SubmitPIN) wipe() {
	for _, s := range []protocol.Secret{a.PIN, a.PUK, a.AccountID, a.Password} {
		s.Wipe()
	}
}

func (a SubmitPIN) apply(c *Controller) {
	f, run := c.s.Flow, c.renewal
	if f == nil || f.Screen != ui.FlowPIN || run == nil || c.busy != nil {
		a.wipe()
		return
	}
	f.Busy = true
	pin := append(protocol.Secret(nil), a.PIN...) // the callee wipes its copy; the form's stays for the engine
	c.start(true, func(ctx context.Context, _ uint64) Action {
		ctx, cancel := context.WithTimeout(ctx, loginTimeout)
		defer cancel()
		flags, err := c.fx.Card.Login(ctx, run.card.ID, pin)
		return loggedIn{form: a, flags: flags, err: err}
	})
	c.busy.wipe = a.wipe
}

type loggedIn struct {
	form  SubmitPIN
	flags protocol.PINStatus
	err   error
}

func (a loggedIn) apply(c *Controller) {
	f, run := c.s.Flow, c.renewal
	if f == nil || run == nil {
		a.form.wipe()
		return
	}
	f.Busy = false
	if a.err != nil {
		a.form.wipe()
		var perr *protocol.Error
		errors.As(a.err, &perr)
		f.Failure = renew.LoginFailure(a.err)
		f.PIN = ui.PINView{CountLow: a.flags.CountLow, FinalTry: a.flags.FinalTry,
			Locked: a.flags.Locked || perr != nil && perr.Code == protocol.ErrPINLocked, PINPad: a.flags.PINPad}
		return
	}
	job := RenewJob{Card: run.card, Cert: run.cert, Profile: run.profile, Renewal: run.renewal, Abandon: f.Abandon,
		Accepted: run.accepted, SamePIN: a.form.PIN}
	if a.form.PUK != nil { // PIN and PUK for the engine's explicit logins, wiped when it stops
		job.Logins = &renew.Logins{PIN: append(protocol.Secret(nil), a.form.PIN...), PUK: a.form.PUK}
	}
	if len(a.form.AccountID) > 0 {
		job.Account = &renew.Account{ID: string(a.form.AccountID), Password: a.form.Password}
	}
	a.form.AccountID.Wipe()
	f.Screen, f.Failure, f.Paused = ui.FlowProgress, nil, false
	f.Steps = ui.Steps(renew.ModeOf(run.renewal, run.profile, run.cert.Role), renew.StepStart)
	c.fx.Page.Guard(true)
	c.start(false, func(ctx context.Context, op uint64) Action { return c.renew(ctx, op, job) })
}

// renew runs the engine (on the operation's goroutine) and reads what the outcome needs from the host.
func (c *Controller) renew(ctx context.Context, op uint64, job RenewJob) Action {
	defer job.SamePIN.Wipe()
	progress := func(r *renew.Renewal) {
		id, steps := r.ID, ui.Steps(r.Mode, r.Step) // read here: the engine goes on changing r
		c.Dispatch(during{op, func(c *Controller) {
			if f := c.s.Flow; f != nil {
				f.RenewalID, f.Steps = id, steps
			}
		}})
	}
	r, err := c.fx.Renewer.Renew(context.WithoutCancel(ctx), job, progress) // the card is written: never cut short
	if job.Account != nil {
		job.Account.Password.Wipe()
	}
	job.Logins.Wipe()
	out := renewed{r: r, err: err, outcome: Classify(r, err)}
	if err != nil && out.outcome != OutcomeWaiting && c.fx.Page.HostGone() {
		out.outcome = OutcomeHostLost // whatever the engine made of it: the host's own end comes first
	}
	if out.outcome == OutcomeAskAgain {
		ictx, cancel := context.WithTimeout(ctx, hostTimeout)
		defer cancel()
		if info, err := c.fx.Card.Info(ictx, job.Card.ID); err == nil { // after a wrong PUK the flags changed
			out.pin = PINViewOf(info)
		}
	}
	return out
}

// Outcome is what a run of the engine leads to on screen.
type Outcome int

const (
	OutcomeDone      Outcome = iota // "Certificato rinnovato e attivo"
	OutcomeAbandoned                // cancelled at the holder's request
	OutcomeWaiting                  // the CA issues later (delayed delivery, RFC 9810 §5.3.22): SCARICA later
	OutcomeAskAgain                 // back to the PIN screen: the PUK or the prepaid account is needed (again)
	OutcomePaused                   // the card left the reader: waiting for it to come back
	OutcomeHostLost                 // ponte-host stopped: reconnecting, then resuming from the journal
	OutcomeFailed
)

// Classify chooses the next screen from the engine's result, by the failure's code (renew.Code*, the
// protocol's codes), never by its words.
func Classify(r *renew.Renewal, err error) Outcome {
	var f *renew.Failure
	errors.As(err, &f)
	switch {
	case err == nil && r != nil && r.Step == renew.StepDone:
		return OutcomeDone
	case err == nil && r != nil && r.Failure != nil && r.Failure.Code == renew.CodeAbandoned:
		return OutcomeAbandoned
	case errors.Is(err, renew.ErrPending):
		return OutcomeWaiting
	case f == nil:
		return OutcomeFailed
	}
	switch protocol.Code(f.Code) {
	case renew.CodeAccountRequired, renew.CodePUKRequired, protocol.ErrPUKIncorrect, protocol.ErrPUKLocked:
		return OutcomeAskAgain // nothing else happened: the form again, with what the card now says
	case protocol.ErrCardRemoved, renew.CodeCardAbsent, protocol.ErrNoCard:
		if f.Retriable {
			return OutcomePaused
		}
	}
	return OutcomeFailed
}

type renewed struct {
	r       *renew.Renewal
	err     error
	outcome Outcome
	pin     ui.PINView
}

func (a renewed) apply(c *Controller) {
	c.fx.Page.Guard(false)
	run, f := c.renewal, c.s.Flow
	if run == nil || f == nil {
		return
	}
	run.renewal = a.r
	var fail *renew.Failure
	errors.As(a.err, &fail)
	switch a.outcome {
	case OutcomeHostLost:
		f.Screen, f.HostLost, f.Paused, f.Failure = ui.FlowProgress, true, false, nil
		c.fx.Page.Reconnect()
		return
	case OutcomeDone:
		f.Screen, f.NewExpiry = ui.FlowSuccess, ""
		if card := c.findCard(f.CardID); card != nil {
			f.Advice = ui.DriverAdvice(c.s.Host.OS, card.Family)
		}
		if f.Reinsert {
			f.ReinsertStep = ui.ReinsertRemove // seed 000: out and back in before the card is ready
		}
		if x, err := x509.ParseCertificate(a.r.NewCert); err == nil {
			f.NewExpiry = x.NotAfter.Format(time.RFC3339)
		}
	case OutcomeAbandoned:
		f.Screen = ui.FlowAbandoned
	case OutcomeWaiting:
		f.Screen = ui.FlowWaiting
	case OutcomeAskAgain:
		f.Screen, f.Failure, f.PIN = ui.FlowPIN, fail, a.pin
		f.Paid = f.Paid || fail.Code == renew.CodeAccountRequired // a resumed paid request: the account again
	case OutcomePaused:
		f.Screen, f.Paused = ui.FlowProgress, true
	default:
		if fail == nil {
			fail = &renew.Failure{Code: "internal", IT: fmt.Sprint(a.err), EN: fmt.Sprint(a.err)}
		}
		f.Screen, f.Failure, f.Retriable = ui.FlowFailure, fail, fail.Retriable
		f.RollbackFailed = a.r != nil && a.r.RollbackFailed
		if a.r != nil {
			f.RenewalID = a.r.ID
		}
	}
	c.refresh()
}

// HostBack: ponte-host answers again after it stopped mid-renewal. The renewal is in the journal
// (write-ahead), so it resumes from there with the PIN asked again (the card's session ended with the
// old host); one stopped before its first record has nothing to resume: the PIN again.
type HostBack struct{ Hello protocol.HelloResult }

func (a HostBack) apply(c *Controller) {
	// The page read the cards again (CardsRead) before saying so: the resumed renewal finds its card.
	c.s.Conn, c.s.Host, c.s.Problem = ui.Connected, a.Hello, nil
	f, run := c.s.Flow, c.renewal
	if f == nil || !f.HostLost || run == nil { // the user closed the renewal meanwhile
		return
	}
	if run.renewal != nil {
		f.HostLost = false
		ResumeRenewal{ID: run.renewal.ID}.apply(c)
		return
	}
	f.Screen, f.HostLost = ui.FlowPIN, false
}

// HostNotBack: the reconnection gave up (two minutes of tries): the reason and what to do.
type HostNotBack struct{}

func (HostNotBack) apply(c *Controller) {
	f := c.s.Flow
	if f == nil || !f.HostLost {
		return
	}
	f.Screen, f.HostLost, f.Retriable = ui.FlowFailure, false, false
	f.Failure = renew.NewFailure("host-lost")
}

// HolderName is the card's holder as the screens show it: surname, name and card number.
func HolderName(c *protocol.Card) string {
	if c.Holder == nil {
		return ""
	}
	return strings.TrimSpace(c.Holder.Surname + " " + c.Holder.Name + " " + c.Number)
}

// PINViewOf is the token's PIN and PUK flags as the PIN screens show them.
func PINViewOf(c *protocol.Card) ui.PINView {
	if c == nil || c.Token == nil {
		return ui.PINView{}
	}
	p := c.Token.PIN
	return ui.PINView{CountLow: p.CountLow, FinalTry: p.FinalTry, Locked: p.Locked, PINPad: p.PINPad,
		PUKCountLow: p.PUKCountLow, PUKFinalTry: p.PUKFinalTry, PUKLocked: p.PUKLocked}
}

// ProblemOf is err as the page shows it: its protocol code when it has one, and the detail.
func ProblemOf(err error) *ui.Problem {
	p := &ui.Problem{Detail: err.Error()}
	var perr *protocol.Error
	if errors.As(err, &perr) {
		p.Code = perr.Code
	}
	return p
}
