//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"syscall/js"
)

// maxFile bounds what fetchFile reads: the extension's own small files (catalogues, profiles, manifest).
const maxFile = 1 << 20

// fetchFile reads one of the UI's own files (a path relative to the page, or to background.js) with the
// browser's fetch (WHATWG Fetch §5.1), not net/http: net/http's js/wasm client links crypto/tls, which
// cards.wasm must stay without (docs/ui-modules.md).
func fetchFile(path string) ([]byte, error) {
	resp, err := await(js.Global().Call("fetch", path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("%s: %d %s", path, resp.Get("status").Int(), resp.Get("statusText").String())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	arr := js.Global().Get("Uint8Array").New(buf)
	if arr.Length() > maxFile {
		return nil, errors.New(path + ": larger than 1 MB")
	}
	b := make([]byte, arr.Length())
	js.CopyBytesToGo(b, arr)
	return b, nil
}
