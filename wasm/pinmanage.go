//go:build js && wasm && !cards

package main

import (
	"context"
	"errors"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// The PIN screen of a card (ui.PINManage): change the PIN, or unblock it with the PUK.
func init() {
	open := func(unblock bool) func(a *app, el js.Value) {
		return func(a *app, el js.Value) { a.pinManageOpen(el.Get("dataset").Get("card").String(), unblock) }
	}
	actions["pin-change"] = open(false)
	actions["pin-unblock"] = open(true)
	actions["pin-manage-submit"] = func(a *app, _ js.Value) { a.pinManageSubmit() }
	actions["pin-manage-close"] = func(a *app, _ js.Value) {
		a.update(func(s *ui.State) { s.PINManage = nil })
		a.refreshCards()
	}
}

func (a *app) pinManageOpen(cardID string, unblock bool) {
	card := a.findCard(cardID)
	if card == nil || card.Token == nil {
		return
	}
	minLen, maxLen := ui.NewPINRule(card.Token.PIN)
	a.run = nil // from a renewal's PIN screen with the PIN blocked: nothing of it has begun
	a.update(func(s *ui.State) {
		s.Flow = nil
		s.PINManage = &ui.PINManage{CardID: card.ID, Holder: holderName(card), Unblock: unblock, PIN: pinView(card),
			MinLen: minLen, MaxLen: maxLen}
	})
}

// pinManageSubmit reads and clears the three fields, checks the new PIN twice before anything reaches
// the card, and makes one try (never repeated); the secrets are wiped once sent.
func (a *app) pinManageSubmit() {
	old, puk, pin, again := takeSecret("pm-old"), takeSecret("pm-puk"), takeSecret("pm-new"), takeSecret("pm-new2")
	for _, s := range []protocol.Secret{old, puk, pin, again} {
		defer s.Wipe()
	}
	a.mu.Lock()
	m := a.state.PINManage
	busy := m == nil || m.Done || m.Busy
	if !busy {
		m.Busy = true // a second click while the card works must not spend a second try
	}
	a.mu.Unlock()
	if busy {
		return
	}
	a.render() // the confirm button shows disabled while the card works
	defer a.update(func(s *ui.State) {
		if s.PINManage != nil {
			s.PINManage.Busy = false
		}
	})
	if key := ui.CheckNewPIN(pin, again, m.MinLen, m.MaxLen); key != "" {
		a.update(func(s *ui.State) {
			if s.PINManage != nil {
				s.PINManage.Problem, s.PINManage.Error = key, nil
			}
		})
		return
	}
	card := hostcard.New(a.client, m.CardID)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var flags protocol.PINStatus
	var err error
	if m.Unblock {
		flags, err = card.UnblockPIN(ctx, puk, pin)
	} else {
		flags, err = card.ChangePIN(ctx, old, pin)
	}
	view := ui.PINView{CountLow: flags.CountLow, FinalTry: flags.FinalTry, Locked: flags.Locked,
		PUKCountLow: flags.PUKCountLow, PUKFinalTry: flags.PUKFinalTry, PUKLocked: flags.PUKLocked}
	if err != nil {
		view = a.pinViewOf(m.CardID) // a refusal carries no flags: the tries left are read now
	}
	a.update(func(s *ui.State) {
		pm := s.PINManage
		if pm == nil {
			return
		}
		pm.Problem, pm.PIN = "", view
		if err == nil {
			pm.Done, pm.Error = true, nil
			return
		}
		var perr *protocol.Error
		if errors.As(err, &perr) {
			pm.Error = &ui.Bilingual{IT: perr.Code.Text("it"), EN: perr.Code.Text("en")}
			pm.PIN.Locked = pm.PIN.Locked || perr.Code == protocol.ErrPINLocked
			pm.PIN.PUKLocked = pm.PIN.PUKLocked || perr.Code == protocol.ErrPUKLocked
		} else {
			pm.Error = &ui.Bilingual{IT: err.Error(), EN: err.Error()}
		}
	})
}
