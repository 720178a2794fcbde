//go:build js && wasm && !cards

package main

import (
	"context"
	"errors"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// The renewal's screens are internal/app's (renewal.go there): this file turns their buttons into the
// controller's actions and gives it the page's effects.
func init() {
	data := func(el js.Value, k string) string { return el.Get("dataset").Get(k).String() }
	do := func(act ctrl.Action) func(a *app, el js.Value) { return func(a *app, _ js.Value) { a.ctl.Do(act) } }
	actions["renew"] = func(a *app, el js.Value) { a.ctl.Do(ctrl.OpenRenewal{Card: data(el, "card"), Cert: data(el, "cert")}) }
	actions["terms-accept"] = do(ctrl.AcceptTerms{})
	actions["privacy-toggle"] = func(a *app, el js.Value) { a.ctl.Do(ctrl.PrivacyAck{On: el.Get("checked").Bool()}) }
	actions["privacy-accept"] = do(ctrl.AcceptPrivacy{})
	actions["pin-submit"] = func(a *app, _ js.Value) {
		a.ctl.Do(ctrl.SubmitPIN{PIN: takeValue("pin"), PUK: takeValue("puk"),
			AccountID: takeValue("account-id"), Password: takeValue("account-password")})
	}
	actions["renew-resume"] = func(a *app, el js.Value) { a.ctl.Do(ctrl.ResumeRenewal{ID: data(el, "renewal")}) }
	actions["renew-abandon"] = func(a *app, el js.Value) { a.ctl.Do(ctrl.ResumeRenewal{ID: data(el, "renewal"), Abandon: true}) }
	actions["download-log"] = func(a *app, el js.Value) { a.downloadLog(data(el, "renewal")) }
	actions["flow-close"] = do(ctrl.CloseRenewal{})
	fxHooks = append(fxHooks, func(a *app, fx *ctrl.Effects) {
		fx.Card, fx.Journal, fx.Renewer = ctrl.HostCard{Host: a.host}, ctrl.HostJournal{Host: a.host}, ctrl.HostRenewer{Host: a.host}
		fx.Page = page{a}
	})
}

// page is the controller's ctrl.Page: the host's health, the list's re-reading, the leave-page guard.
type page struct{ a *app }

func (p page) Refresh()   { go p.a.refreshCards(false) }
func (p page) Reconnect() { go p.a.hostLost() }

// HostGone reports whether the connection to ponte-host has ended (the host crashed or was killed): a
// call on a closed connection fails at once with protocol.ErrClosed.
func (p page) HostGone() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Is(p.a.host().Call(ctx, protocol.CmdVersion, nil, nil), protocol.ErrClosed)
}

// Guard asks the browser to confirm before the page is left while a renewal runs.
func (page) Guard(on bool) {
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
	s := a.state()
	host, flow := s.Host, s.Flow
	r, err := (renew.HostJournal{Host: a.host(), Ctx: ctx}).Load(id)
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
