//go:build js && wasm

package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

func init() {
	data := func(el js.Value, k string) string { return el.Get("dataset").Get(k).String() }
	actions["renew"] = func(a *app, el js.Value) { a.startFlow(data(el, "card"), data(el, "cert")) }
	actions["terms-accept"] = func(a *app, _ js.Value) { a.update(func(s *ui.State) { s.Flow.Screen = "privacy" }) }
	actions["privacy-toggle"] = func(a *app, el js.Value) {
		checked := el.Get("checked").Bool()
		a.update(func(s *ui.State) { s.Flow.PrivacyAck = checked })
	}
	actions["privacy-accept"] = func(a *app, _ js.Value) {
		run := a.run
		a.update(func(s *ui.State) {
			if s.Flow.PrivacyAck {
				s.Flow.Screen = "pin"
				if run != nil { // the versions accepted, in the language shown: journaled and sent to the CA
					run.accepted = run.profile.Accept(s.Lang, time.Now())
				}
			}
		})
	}
	actions["pin-submit"] = func(a *app, _ js.Value) { a.submitPIN() }
	actions["renew-resume"] = func(a *app, el js.Value) { a.resumeFlow(data(el, "renewal"), false) }
	actions["renew-abandon"] = func(a *app, el js.Value) { a.resumeFlow(data(el, "renewal"), true) }
	actions["download-log"] = func(a *app, el js.Value) { a.downloadLog(data(el, "renewal")) }
	actions["flow-close"] = func(a *app, _ js.Value) {
		a.run = nil
		a.update(func(s *ui.State) { s.Flow = nil })
		a.refreshCards()
	}
}

// flowRun is what the renewal on screen needs beyond what the screen shows.
type flowRun struct {
	card    *protocol.Card
	cert    protocol.Certificate
	profile *renew.Profile
	renewal *renew.Renewal // set when resuming or once begun
	// accepted: the terms and privacy the holder accepted on the screens (nil when resuming: the
	// journal has them).
	accepted *renew.Acceptance
}

func (a *app) findCard(id string) *protocol.Card {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.state.Readers {
		if r.Card != nil && r.Card.ID == id {
			return r.Card
		}
	}
	return nil
}

func (a *app) profileByID(id string) *renew.Profile {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.profiles {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func pinView(c *protocol.Card) ui.PINView {
	if c == nil || c.Token == nil {
		return ui.PINView{}
	}
	p := c.Token.PIN
	return ui.PINView{CountLow: p.CountLow, FinalTry: p.FinalTry, Locked: p.Locked, PINPad: p.PINPad,
		PUKCountLow: p.PUKCountLow, PUKFinalTry: p.PUKFinalTry, PUKLocked: p.PUKLocked}
}

// startFlow opens the terms of the CA that can renew cert (seed 000: RINNOVA, then terms and privacy).
func (a *app) startFlow(cardID, certID string) {
	card := a.findCard(cardID)
	if card == nil {
		return
	}
	var cert protocol.Certificate
	for _, c := range card.Certificates {
		if c.ID == certID {
			cert = c
		}
	}
	a.mu.Lock()
	profiles, lang := a.profiles, a.state.Lang
	a.mu.Unlock()
	var profile *renew.Profile
	for _, p := range profiles {
		if renew.Eligible(p, card, cert, time.Now()) == nil {
			profile = p
			break
		}
	}
	if profile == nil {
		return
	}
	a.run = &flowRun{card: card, cert: cert, profile: profile}
	a.update(func(s *ui.State) {
		s.Flow = &ui.Flow{Screen: "terms", CardID: card.ID, CertID: cert.ID, Holder: holderName(card),
			ProfileID: profile.ID, ProfileName: profile.Name, Terms: profile.Terms.In(lang), Privacy: profile.Privacy.In(lang),
			Paid: profile.Paid, PIN: pinView(card), Reinsert: card.Family.Reinsert, NeedsPUK: card.Family.NeedsPUK}
	})
}

func holderName(c *protocol.Card) string {
	if c.Holder == nil {
		return ""
	}
	return strings.TrimSpace(c.Holder.Surname + " " + c.Holder.Name + " " + c.Number)
}

// resumeFlow reopens a renewal from the journal: the PIN first (the card session did not survive), then
// the engine carries on from the recorded step — or, with abandon, cancels it ("Annulla il rinnovo":
// the old key signs the rejection or revocation, so the PIN is needed too).
func (a *app) resumeFlow(id string, abandon bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := (renew.HostJournal{Host: a.client, Ctx: ctx}).Load(id)
	if err != nil {
		a.problem(err)
		return
	}
	profile := a.profileByID(r.Profile)
	card := a.findCard(r.Card)
	if profile == nil || card == nil {
		a.update(func(s *ui.State) {
			s.Flow = &ui.Flow{Screen: "failure", RenewalID: r.ID, Retriable: true, Holder: r.Holder,
				Failure: &renew.Failure{Code: "resume-missing", IT: "Per riprendere il rinnovo inserire la stessa tessera (e tenere configurata la stessa autorità).", EN: "To resume the renewal insert the same card (and keep the same authority configured)."}}
		})
		return
	}
	a.run = &flowRun{card: card, profile: profile, renewal: r}
	a.update(func(s *ui.State) {
		s.Flow = &ui.Flow{Screen: "pin", CardID: card.ID, Holder: r.Holder, ProfileID: profile.ID, ProfileName: profile.Name,
			Paid: r.NeedsAccount(profile), PIN: pinView(card), RenewalID: r.ID, Reinsert: card.Family.Reinsert,
			NeedsPUK: r.NeedsPUK, Abandon: abandon} // the journal has the flags, never the PUK or the account: asked again
	})
}

// takeSecret reads a field's value and clears the field (nil when there is no such field).
func takeSecret(id string) protocol.Secret {
	el := js.Global().Get("document").Call("getElementById", id)
	if !el.Truthy() {
		return nil
	}
	v := protocol.Secret(el.Get("value").String())
	el.Set("value", "")
	return v
}

// submitPIN reads and clears the fields, logs in once (never retried), and runs the renewal.
func (a *app) submitPIN() {
	pin := takeSecret("pin")
	puk := takeSecret("puk")
	accountID := takeSecret("account-id")
	password := takeSecret("account-password")
	run := a.run
	if run == nil {
		return
	}
	card := hostcard.New(a.client, run.card.ID)
	samePIN := append(protocol.Secret(nil), pin...) // for keys that want it at each signature (renew.SamePIN)
	var logins *renew.Logins                        // PIN and PUK for the engine's explicit logins, wiped when it stops
	if puk != nil {
		logins = &renew.Logins{PIN: append(protocol.Secret(nil), pin...), PUK: puk}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // PIN-pad readers wait for the user
	flags, err := card.Login(ctx, pin)
	cancel()
	if err != nil {
		var perr *protocol.Error
		f := &renew.Failure{Code: "login", IT: err.Error(), EN: err.Error()}
		if errors.As(err, &perr) {
			f = &renew.Failure{Code: string(perr.Code), IT: perr.Code.Text("it"), EN: perr.Code.Text("en")}
		}
		logins.Wipe()
		samePIN.Wipe()
		a.update(func(s *ui.State) {
			s.Flow.Failure = f
			s.Flow.PIN = ui.PINView{CountLow: flags.CountLow, FinalTry: flags.FinalTry, Locked: flags.Locked || (perr != nil && perr.Code == protocol.ErrPINLocked), PINPad: flags.PINPad}
		})
		return
	}
	var account *renew.Account
	if len(accountID) > 0 {
		account = &renew.Account{ID: string(accountID), Password: password}
	}
	a.runEngine(card, account, logins, samePIN)
}

func (a *app) runEngine(card *hostcard.Card, account *renew.Account, logins *renew.Logins, samePIN protocol.Secret) {
	defer samePIN.Wipe()
	run := a.run
	a.mu.Lock()
	abandon := a.state.Flow != nil && a.state.Flow.Abandon
	a.mu.Unlock()
	a.guard(true)
	defer a.guard(false)
	a.update(func(s *ui.State) {
		s.Flow.Screen, s.Flow.Failure, s.Flow.Paused = "progress", nil, false
		mode := "rekey"
		if run.renewal != nil {
			mode = run.renewal.Mode
		} else if rule, ok := run.profile.Rule(run.cert.Role); ok {
			mode = rule.Mode
		}
		s.Flow.Steps = ui.Steps(mode, renew.StepStart)
	})
	ctx := context.Background()
	e := &renew.Engine{
		Card:     card,
		CA:       run.profile.Client(),
		Profile:  run.profile,
		Journal:  renew.HostJournal{Host: a.client, Ctx: ctx},
		Account:  account,
		Logins:   logins,
		Accepted: run.accepted,
		PIN:      renew.SamePIN(samePIN),
		Progress: func(r *renew.Renewal) {
			a.update(func(s *ui.State) {
				if s.Flow != nil {
					s.Flow.RenewalID = r.ID
					s.Flow.Steps = ui.Steps(r.Mode, r.Step)
				}
			})
		},
	}
	var err error
	switch {
	case abandon:
		err = e.Abandon(ctx, run.renewal)
	case run.renewal == nil:
		run.renewal, err = e.Begin(ctx, run.card, run.cert)
	default:
		err = e.Run(ctx, run.renewal)
	}
	if account != nil {
		account.Password.Wipe()
	}
	logins.Wipe()
	a.finish(run, err)
}

// finish shows the outcome: done, waiting at the CA, paused for the card, or failed.
func (a *app) finish(run *flowRun, err error) {
	var f *renew.Failure
	if err != nil && !errors.Is(err, renew.ErrPending) && a.hostGone() {
		go a.hostLost(run)
		return
	}
	switch {
	case err == nil && run.renewal != nil && run.renewal.Step == renew.StepDone:
		expiry := ""
		if c, perr := x509.ParseCertificate(run.renewal.NewCert); perr == nil {
			expiry = c.NotAfter.Format(time.RFC3339)
		}
		a.update(func(s *ui.State) {
			s.Flow.Screen, s.Flow.NewExpiry, s.Flow.Advice = "success", expiry, ui.DriverAdvice(s.Host.OS, run.card.Family)
			if s.Flow.Reinsert {
				s.Flow.ReinsertStep = ui.ReinsertRemove // seed 000: out and back in before the card is ready
			}
		})
	case err == nil && run.renewal != nil && run.renewal.Failure != nil && run.renewal.Failure.Code == "abandoned":
		a.update(func(s *ui.State) { s.Flow.Screen = "abandoned" })
	case errors.Is(err, renew.ErrPending):
		a.update(func(s *ui.State) { s.Flow.Screen = "waiting" })
	case errors.As(err, &f) && f.Code == "account-required":
		// A resumed paid request that never got an answer: the account again, as the PIN (never stored).
		pv := a.pinViewOf(run.card.ID)
		a.update(func(s *ui.State) { s.Flow.Screen, s.Flow.Failure, s.Flow.PIN, s.Flow.Paid = "pin", f, pv, true })
	case errors.As(err, &f) && (f.Code == string(protocol.ErrPUKIncorrect) || f.Code == string(protocol.ErrPUKLocked) || f.Code == "puk-required"):
		// Back to the PIN and PUK, with what the card now says of its PUK: nothing else happened.
		pv := a.pinViewOf(run.card.ID)
		a.update(func(s *ui.State) { s.Flow.Screen, s.Flow.Failure, s.Flow.PIN = "pin", f, pv })
	case errors.As(err, &f) && f.Retriable && (f.Code == string(protocol.ErrCardRemoved) || f.Code == "card-absent" || f.Code == string(protocol.ErrNoCard)):
		a.update(func(s *ui.State) { s.Flow.Screen, s.Flow.Paused = "progress", true })
	default:
		if f == nil {
			f = &renew.Failure{Code: "internal", IT: fmt.Sprint(err), EN: fmt.Sprint(err)}
		}
		rollbackFailed := run.renewal != nil && run.renewal.RollbackFailed
		a.update(func(s *ui.State) {
			s.Flow.Screen, s.Flow.Failure, s.Flow.Retriable, s.Flow.RollbackFailed = "failure", f, f.Retriable, rollbackFailed
			if run.renewal != nil {
				s.Flow.RenewalID = run.renewal.ID
			}
		})
	}
	go a.refreshCards()
}

// guard asks the browser to confirm before the page is left while a renewal runs.
func (a *app) guard(on bool) {
	w := js.Global().Get("window")
	if !on {
		w.Set("onbeforeunload", js.Null())
		return
	}
	w.Set("onbeforeunload", js.FuncOf(func(this js.Value, args []js.Value) any {
		args[0].Call("preventDefault")
		args[0].Set("returnValue", "")
		return ""
	}))
}

// downloadLog saves the renewal's diagnostic log: steps, codes, versions, card family and CA answers. The
// record never held a PIN or PUK.
func (a *app) downloadLog(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a.mu.Lock()
	host, flow := a.state.Host, a.state.Flow
	a.mu.Unlock()
	r, err := (renew.HostJournal{Host: a.client, Ctx: ctx}).Load(id)
	if (id == "" || errors.Is(err, renew.ErrNotFound)) && flow != nil {
		// A failure before the first journal record (not eligible, wrong PUK, account missing): the log
		// is what the screen knows.
		r, err = renew.EarlyRecord(flow.ProfileID, flow.CardID, flow.Failure, time.Now()), nil
	}
	if err != nil {
		a.problem(err)
		return
	}
	text := renew.DiagnosticLog(r, "ponte-wasm "+buildinfo.Version, "ponte-host "+host.Version+" "+host.OS)
	downloadBytes("ponte-rinnovo-"+r.ID+".log", "text/plain", []byte(text))
}

// pinViewOf reads the card's PIN and PUK flags now (after a wrong PUK they changed).
func (a *app) pinViewOf(cardID string) ui.PINView {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := hostcard.New(a.client, cardID).Info(ctx)
	if err != nil {
		return ui.PINView{}
	}
	return pinView(info)
}
