// Package webui embeds the built UI (the same files as the extension: app.html, the WASM module, locales)
// so `ponte-host serve` can offer it as a local web app. dist/ holds only .gitkeep: `make build` compiles the
// host with `go build -overlay build/webui-overlay.json` (written by scripts/stamp), which shows the files of
// build/extension to go:embed as if they were in dist/, so nothing is copied into the source tree. A host
// built without the overlay (`go build ./host`) embeds no UI, and `ponte-host serve` says so.
package webui

import (
	"embed"
	"io/fs"
)

// OverlayName is the overlay file in make build's output folder; every build of the host passes it to
// go build when it exists (Makefile, scripts/dist, internal/testkit/testenv).
const OverlayName = "webui-overlay.json"

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
