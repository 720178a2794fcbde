//go:build cards

package ui

import "fmt"

// Render draws the pages cards.wasm paints, app.html's card list and the popup (draw.go), without
// html/template (render.go, in ponte.wasm); any other page is ponte.wasm's.
func Render(s State, cat *Catalog) (string, error) {
	html, ok, err := listPage(s, cat)
	if !ok {
		return "", fmt.Errorf("ui: the page %q is drawn by ponte.wasm", s.Mode)
	}
	return html, err
}
