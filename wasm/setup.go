//go:build js && wasm && !cards

package main

import (
	"context"
	"strings"
	"syscall/js"
	"time"

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

// checkSetup runs diagnose and reads the browser-login status.
func (a *app) checkSetup() {
	go a.checkNet() // the host permissions for CAs, OCSP, TSAs (permissions.go)
	kind, p11 := browserKind()
	a.update(func(s *ui.State) {
		s.Setup.Loaded, s.Setup.Browser, s.Setup.PKCS11, s.Setup.Error = false, kind, p11, ""
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var d protocol.DiagnoseResult
	if err := a.host().Call(ctx, protocol.CmdDiagnose, struct{}{}, &d); err != nil {
		a.problem(err)
		return
	}
	a.update(func(s *ui.State) { s.Setup.Diag, s.Setup.Loaded = d, true })
	if kind == "firefox" {
		if p11 { // firefox.go: is the card's module loaded already?
			a.firefoxModule(ui.FirefoxModuleNames(d), false)
		}
		return
	}
	a.browserLogin(ctx, false)
}

func (a *app) browserLogin(ctx context.Context, register bool) {
	var res protocol.BrowserLoginResult
	err := a.host().Call(ctx, protocol.CmdBrowserLogin, protocol.BrowserLogin{Register: register}, &res)
	a.update(func(s *ui.State) {
		s.Setup.Busy = false
		if err != nil {
			s.Setup.Error = err.Error()
			return
		}
		s.Setup.Login = &res
	})
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
