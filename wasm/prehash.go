//go:build js && wasm && !cards

package main

import (
	"syscall/js"

	"github.com/ponte-it/ponte/internal/docio"
)

// The file chosen on the Firma page starts being hashed at once (docio.Prehash), while the user reads
// the options: by the time signing asks for the document's SHA-256, it is under way or done.
func init() {
	doc := js.Global().Get("document")
	if !doc.Truthy() { // the service worker's watch mode (watchmode.go) has no page
		return
	}
	doc.Call("addEventListener", "change", js.FuncOf(func(_ js.Value, args []js.Value) any {
		el := args[0].Get("target")
		if el.Get("id").String() == "sign-file" && el.Get("files").Truthy() && el.Get("files").Get("length").Int() == 1 {
			docio.Prehash(el.Get("files").Index(0))
		}
		return nil
	}))
}
