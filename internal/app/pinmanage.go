package app

import (
	"context"
	"errors"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// The "Gestione PIN" screen of one card (ui.PINManage): a new PIN set with the current one (PKCS#11
// C_SetPIN), or with the PUK (C_Login as SO, then C_InitPIN; host/p11/pin.go). Each secret is tried
// once, never stored.

// OpenPINManage is "Cambia PIN" (or, Unblock, "Sblocca PIN"), also from a renewal's PIN screen with the
// PIN blocked: nothing of that renewal has begun, it is left.
type OpenPINManage struct {
	Card    string
	Unblock bool
}

func (a OpenPINManage) apply(c *Controller) {
	card := c.findCard(a.Card)
	if card == nil || card.Token == nil || !c.leave() {
		return
	}
	minLen, maxLen := ui.NewPINRule(card.Token.PIN)
	c.renewal, c.s.Flow = nil, nil
	c.s.PINManage = &ui.PINManage{CardID: card.ID, Holder: HolderName(card), Unblock: a.Unblock, PIN: PINViewOf(card),
		MinLen: minLen, MaxLen: maxLen}
}

// ClosePINManage is "Torna alle tessere" or Annulla: a change under way is left (its answer dropped;
// the card does what it was asked, the list shows its flags once re-read).
type ClosePINManage struct{}

func (ClosePINManage) apply(c *Controller) {
	if c.s.PINManage == nil || !c.leave() {
		return
	}
	c.s.PINManage = nil
	c.refresh()
}

// SubmitPINManage is the form: the current PIN (or the PUK) and the new one twice, read and cleared from
// the fields by the page. The new PIN is checked before anything reaches the card; one try, never
// repeated; a second click while the card works is wiped unused.
type SubmitPINManage struct{ Old, PUK, New, Again protocol.Secret }

func (a SubmitPINManage) wipe() {
	for _, s := range []protocol.Secret{a.Old, a.PUK, a.New, a.Again} {
		s.Wipe()
	}
}

func (a SubmitPINManage) apply(c *Controller) {
	m := c.s.PINManage
	if m == nil || m.Done || m.Busy || c.busy != nil {
		a.wipe()
		return
	}
	if key := ui.CheckNewPIN(a.New, a.Again, m.MinLen, m.MaxLen); key != "" {
		a.wipe()
		m.Problem, m.Error = key, nil
		return
	}
	m.Busy = true // the confirm button shows disabled while the card works
	cardID, unblock := m.CardID, m.Unblock
	c.start(true, func(ctx context.Context, _ uint64) Action {
		defer a.wipe()
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var flags protocol.PINStatus
		var err error
		if unblock {
			flags, err = c.fx.Card.UnblockPIN(ctx, cardID, a.PUK, a.New)
		} else {
			flags, err = c.fx.Card.ChangePIN(ctx, cardID, a.Old, a.New)
		}
		view := ui.PINView{CountLow: flags.CountLow, FinalTry: flags.FinalTry, Locked: flags.Locked,
			PUKCountLow: flags.PUKCountLow, PUKFinalTry: flags.PUKFinalTry, PUKLocked: flags.PUKLocked}
		if err != nil { // a refusal carries no flags: the tries left are read now
			view = ui.PINView{}
			if info, ierr := c.fx.Card.Info(ctx, cardID); ierr == nil {
				view = PINViewOf(info)
			}
		}
		return pinManaged{view: view, err: err}
	})
}

type pinManaged struct {
	view ui.PINView
	err  error
}

func (a pinManaged) apply(c *Controller) {
	pm := c.s.PINManage
	if pm == nil {
		return
	}
	pm.Busy, pm.Problem, pm.PIN = false, "", a.view
	if a.err == nil {
		pm.Done, pm.Error = true, nil
		return
	}
	var perr *protocol.Error
	if errors.As(a.err, &perr) {
		pm.Error = &ui.Bilingual{Words: perr.Words()}
		pm.PIN.Locked = pm.PIN.Locked || perr.Code == protocol.ErrPINLocked
		pm.PIN.PUKLocked = pm.PIN.PUKLocked || perr.Code == protocol.ErrPUKLocked
		return
	}
	pm.Error = &ui.Bilingual{IT: a.err.Error(), EN: a.err.Error()}
}
