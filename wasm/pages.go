//go:build js && wasm

package main

import "syscall/js"

// The popup opens the inventory and the setup check in a tab, as it does the app.
func init() {
	actions["open-page"] = func(a *app, el js.Value) {
		page := el.Get("dataset").Get("page").String()
		if page != "inventory.html" && page != "setup.html" {
			return
		}
		if tabs := js.Global().Get("chrome").Get("tabs"); tabs.Truthy() {
			tabs.Call("create", map[string]any{"url": chromeRuntime().Call("getURL", page)})
			js.Global().Call("close")
		}
	}
}
