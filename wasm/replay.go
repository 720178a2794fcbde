//go:build js && wasm && !cards

package main

import "syscall/js"

// The action cards.wasm handed over (handover_cards.go) runs once this module has connected and drawn the
// cards: on the element with the same data attributes, or, if the screen no longer shows it (the card was
// removed meanwhile), on an object carrying just those attributes.
func init() {
	connected = append(connected, func(a *app) {
		r := js.Global().Get("ponteReplay")
		if !r.Truthy() {
			return
		}
		js.Global().Delete("ponteReplay")
		action, data := r.Get("action").String(), r.Get("data")
		sel := `[data-action="` + cssEscape(action) + `"]`
		keys := js.Global().Get("Object").Call("keys", data)
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			if k == "action" {
				continue
			}
			sel += `[data-` + dataAttr(k) + `="` + cssEscape(data.Get(k).String()) + `"]`
		}
		el := js.Global().Get("document").Call("querySelector", sel)
		if !el.Truthy() {
			el = js.Global().Get("Object").New()
			el.Set("dataset", data)
		}
		a.act(action, el)
	})
}

// cssEscape quotes a value for a CSS attribute selector (CSS.escape, CSSOM §2.1).
func cssEscape(s string) string { return js.Global().Get("CSS").Call("escape", s).String() }

// dataAttr turns a dataset key back into its attribute name: "cardId" is data-card-id (HTML §3.2.6.6).
func dataAttr(key string) string {
	out := make([]byte, 0, len(key)+4)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'A' && c <= 'Z' {
			out = append(out, '-', c+'a'-'A')
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
