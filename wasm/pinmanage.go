//go:build js && wasm && !cards

package main

import (
	"syscall/js"

	ctrl "github.com/ponte-it/ponte/internal/app"
)

// The PIN screen of a card (ui.PINManage; its logic is internal/app's pinmanage.go): change the PIN, or
// unblock it with the PUK. The fields are read and cleared here, at once.
func init() {
	open := func(unblock bool) func(a *app, el js.Value) {
		return func(a *app, el js.Value) {
			a.ctl.Do(ctrl.OpenPINManage{Card: el.Get("dataset").Get("card").String(), Unblock: unblock})
		}
	}
	actions["pin-change"] = open(false)
	actions["pin-unblock"] = open(true)
	actions["pin-manage-submit"] = func(a *app, _ js.Value) {
		a.ctl.Do(ctrl.SubmitPINManage{Old: takeValue("pm-old"), PUK: takeValue("pm-puk"), New: takeValue("pm-new"), Again: takeValue("pm-new2")})
	}
	actions["pin-manage-close"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.ClosePINManage{}) }
}
