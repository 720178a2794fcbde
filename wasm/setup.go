//go:build js && wasm && !cards

package main

import (
	"context"
	"strings"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// browserKind tells Firefox from Chromium: the NSS database Ponte can register in is Chromium's; Firefox
// keeps its own per profile, reachable only through browser.pkcs11.
func browserKind() (kind string, pkcs11 bool) {
	if strings.Contains(js.Global().Get("navigator").Get("userAgent").String(), "Firefox/") {
		b := js.Global().Get("browser")
		return "firefox", b.Truthy() && b.Get("pkcs11").Truthy()
	}
	return "chromium", false
}

// checkSetup runs diagnose, reads the browser-login status (Chromium) or the card's module (Firefox) and
// whether Ponte holds its host permissions, and draws all of it in one step. Drawn as each answer came,
// the diagnosis (slow: it loads the card's drivers) arrived above the "Consenti l'accesso" button already
// on the page and pushed it down under the user's pointer: a click meant for it hit a heading, and the
// browser was never asked (TestFirefoxHostPermissionsWithheldThenGranted).
func (a *app) checkSetup() {
	kind, p11 := browserKind()
	a.update(func(s *ui.State) {
		s.Setup.Loaded, s.Setup.Browser, s.Setup.PKCS11, s.Setup.Error = false, kind, p11, ""
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	net := netAccess(ctx) // the host permissions for CAs, OCSP, TSAs (permissions.go)
	var d protocol.DiagnoseResult
	if err := a.host().Call(ctx, protocol.CmdDiagnose, struct{}{}, &d); err != nil {
		p := ctrl.ProblemOf(err)
		a.update(func(s *ui.State) { s.Problem, s.Net = p, keepNet(s.Net, net) })
		return
	}
	login := func(*ui.State) {}
	if kind != "firefox" {
		login = a.browserLoginEdit(ctx, false)
	} else if p11 { // firefox.go: is the card's module loaded already?
		login = a.firefoxModuleEdit(ui.FirefoxModuleNames(d), false)
	}
	a.update(func(s *ui.State) {
		s.Setup.Diag, s.Setup.Loaded, s.Net = d, true, keepNet(s.Net, net)
		login(s)
	})
}

func (a *app) browserLogin(ctx context.Context, register bool) {
	a.update(a.browserLoginEdit(ctx, register))
}

// browserLoginEdit asks the host for the browser-login status (registering the card's module first with
// register) and returns the change of state that shows the answer.
func (a *app) browserLoginEdit(ctx context.Context, register bool) func(s *ui.State) {
	var res protocol.BrowserLoginResult
	err := a.host().Call(ctx, protocol.CmdBrowserLogin, protocol.BrowserLogin{Register: register}, &res)
	return func(s *ui.State) {
		s.Setup.Busy = false
		if err != nil {
			s.Setup.Error = err.Error()
			return
		}
		s.Setup.Login = &res
	}
}

func init() {
	pageStart["setup"] = func(a *app) { a.checkSetup() }
	actions["setup-check"] = func(a *app, _ js.Value) { a.checkSetup() }
	actions["setup-register"] = func(a *app, _ js.Value) {
		a.update(func(s *ui.State) { s.Setup.Busy, s.Setup.Error = true, "" })
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		a.browserLogin(ctx, true)
	}
}
