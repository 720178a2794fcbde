//go:build js && wasm && cards

package main

import "syscall/js"

// cards.wasm paints the card list of app.html and the popup and runs their light actions (language,
// rescan, links). Any other action (RINNOVA, RIPRENDI, PIN management, a permission retry) needs
// ponte.wasm: the page hands itself over. This module stops drawing and acting, closes its connection to
// ponte-host (one host per page: the renewal must not share the card with an idle second host), and
// extension/boot.js starts ponte.wasm (compiled ahead while the page was idle) with the action to replay
// once it has connected and read the cards (replay.go). The element is named by its data attributes,
// which the same state draws again identically.
func init() {
	missing = func(a *app, action string, el js.Value) {
		handover := js.Global().Get("ponteHandover")
		if !handover.Truthy() { // a page without extension/boot.js: nothing else can run
			return
		}
		data := map[string]any{}
		if ds := el.Get("dataset"); ds.Truthy() {
			keys := js.Global().Get("Object").Call("keys", ds)
			for i := 0; i < keys.Length(); i++ {
				k := keys.Index(i).String()
				data[k] = ds.Get(k).String()
			}
		}
		retired.Store(true)
		if disconnect != nil {
			disconnect()
		}
		handover.Invoke(map[string]any{"action": action, "data": data})
	}
}
