//go:build js && wasm && !cards

package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// Suspend, reactivate, revoke a card certificate from the card list (issue 17): the confirmation says
// what follows, the PIN signs the rr with the certificate's own key (renew.ChangeStatus), then the CA's
// OCSP responder is asked at once and its answer stored, so the card list and the inventory show
// SOSPESO / REVOCATO with the date and the expiry reminders stop.

func init() {
	data := func(el js.Value, k string) string { return el.Get("dataset").Get(k).String() }
	open := func(action renew.Action) func(a *app, el js.Value) {
		return func(a *app, el js.Value) { a.openLifecycle(action, data(el, "card"), data(el, "cert")) }
	}
	actions["cert-suspend"] = open(renew.ActionSuspend)
	actions["cert-reactivate"] = open(renew.ActionReactivate)
	actions["cert-revoke"] = open(renew.ActionRevoke)
	actions["lc-reason"] = func(a *app, el js.Value) {
		if n, err := strconv.Atoi(el.Get("value").String()); err == nil {
			a.update(func(s *ui.State) { s.Lifecycle.Reason = n })
		}
	}
	actions["lc-confirm"] = func(a *app, _ js.Value) { a.update(func(s *ui.State) { s.Lifecycle.Screen = "pin" }) }
	actions["lc-pin-submit"] = func(a *app, _ js.Value) { a.submitLifecycle() }
	actions["lc-close"] = func(a *app, _ js.Value) {
		a.update(func(s *ui.State) { s.Lifecycle = nil })
		a.refreshCards(false)
	}
}

// lifecycleTarget finds the card, the certificate and the CA profile of the screen's request.
func (a *app) lifecycleTarget(cardID, certID string) (*protocol.Card, protocol.Certificate, *renew.Profile) {
	for _, r := range a.state().Readers {
		if r.Card == nil || r.Card.ID != cardID {
			continue
		}
		for _, c := range r.Card.Certificates {
			if c.ID == certID {
				return r.Card, c, renew.IssuerProfile(a.ctl.Profiles(), c)
			}
		}
	}
	return nil, protocol.Certificate{}, nil
}

func (a *app) openLifecycle(action renew.Action, cardID, certID string) {
	card, cert, p := a.lifecycleTarget(cardID, certID)
	if p == nil {
		return
	}
	m := ui.Manage{Profile: p.Name, SuspensionDays: p.SuspensionDays}
	a.update(func(s *ui.State) {
		s.Lifecycle = ui.NewLifecycle(action, card.ID, cert.ID, ctrl.HolderName(card), cert.Role, m, ctrl.PINViewOf(card))
	})
}

// submitLifecycle reads and clears the PIN, logs in once (never retried), sends the rr and asks OCSP.
func (a *app) submitLifecycle() {
	pin := takeValue("lc-pin")
	defer pin.Wipe()
	if !a.ctl.BeginLifecycle() { // a second click while the first works: its (already cleared) PIN is dropped
		return
	}
	defer a.ctl.EndLifecycle()
	l := a.state().Lifecycle
	if l == nil {
		return
	}
	card, cert, p := a.lifecycleTarget(l.CardID, l.CertID)
	if p == nil {
		a.lifecycleFailed(&renew.Failure{Code: "card-absent", IT: "Tessera non inserita: reinserirla per continuare.", EN: "Card not inserted: put it back to continue."})
		return
	}
	hc := hostcard.New(a.host(), card.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // PIN-pad readers wait for the user
	defer cancel()
	flags, err := hc.Login(ctx, pin)
	if err != nil {
		f := renew.LoginFailure(err)
		a.update(func(s *ui.State) {
			s.Lifecycle.Failure = f
			s.Lifecycle.PIN = ui.PINView{CountLow: flags.CountLow, FinalTry: flags.FinalTry, Locked: flags.Locked || f.Code == string(protocol.ErrPINLocked), PINPad: flags.PINPad}
		})
		return
	}
	a.update(func(s *ui.State) { s.Lifecycle.Screen, s.Lifecycle.Failure = "progress", nil })
	samePIN := append(protocol.Secret(nil), pin...)
	defer samePIN.Wipe()
	if err := renew.ChangeStatus(ctx, p, hc, cert, l.Action, l.Reason, renew.SamePIN(samePIN)); err != nil {
		var f *renew.Failure
		if !errors.As(err, &f) {
			f = &renew.Failure{Code: "internal", IT: err.Error(), EN: err.Error()}
		}
		a.lifecycleFailed(f)
		return
	}
	// Ask the CA's responder now, not at the next weekly check: the lists show the new state at once.
	key := cert.Issuer + "|" + strings.ToLower(cert.Serial)
	if _, err := a.checkStatuses([]string{key}, time.Now()); err != nil {
		js_console("Ponte: " + err.Error())
	}
	cache, _ := loadCache()
	st := cache[key].Status
	a.update(func(s *ui.State) {
		s.Watch = ui.WatchFromCache(cache)
		s.Lifecycle.Screen, s.Lifecycle.Status = "done", st
	})
}

func (a *app) lifecycleFailed(f *renew.Failure) {
	a.update(func(s *ui.State) { s.Lifecycle.Screen, s.Lifecycle.Failure = "failure", f })
}
