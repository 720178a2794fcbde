//go:build js && wasm

package main

import "syscall/js"

// downloadBlob saves a Blob (or File) as name through a temporary link; the object URL is released a
// minute later, once the browser has taken the download.
func downloadBlob(name string, blob js.Value) {
	doc := js.Global().Get("document")
	u := js.Global().Get("URL").Call("createObjectURL", blob)
	link := doc.Call("createElement", "a")
	link.Set("href", u)
	link.Set("download", name)
	link.Set("id", "ponte-download")
	link.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", link)
	link.Call("click")
	link.Call("remove")
	js.Global().Call("setTimeout", js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", u)
		return nil
	}), 60000)
}

// downloadBytes saves data as name with the given MIME type.
func downloadBytes(name, mime string, data []byte) {
	arr := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(arr, data)
	downloadBlob(name, js.Global().Get("Blob").New([]any{arr}, map[string]any{"type": mime}))
}
