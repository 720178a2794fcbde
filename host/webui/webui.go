// Package webui embeds the built UI (the same files as the extension: app.html, the WASM module, locales)
// so `ponte-host serve` can offer it as a local web app. `make build` copies build/extension into dist/
// before compiling the host; a host built without it serves a page saying so.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS is the UI's file tree (rooted at dist/).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}

// Built reports whether the UI was embedded (app.html present).
func Built() bool {
	_, err := fs.Stat(FS(), "app.html")
	return err == nil
}
