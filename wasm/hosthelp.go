//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/ponte-it/ponte/internal/ui"
)

// hostHelp reads the user's system from the browser, for the install step a missing or old ponte-host
// needs: navigator.userAgentData.platform where the browser has it (Chromium), else navigator.platform.
func hostHelp() ui.HostHelp {
	nav := js.Global().Get("navigator")
	platform := ""
	if uad := nav.Get("userAgentData"); uad.Truthy() && uad.Get("platform").Truthy() {
		platform = uad.Get("platform").String()
	} else if p := nav.Get("platform"); p.Truthy() {
		platform = p.String()
	}
	return ui.HostHelp{OS: ui.PlatformOS(platform), Browser: ui.BrowserFamily(nav.Get("userAgent").String())}
}
