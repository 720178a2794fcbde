// Package ui holds the screens of Ponte as views of one State value, and the message catalogue they speak:
// the card list's pages in hand-written Go (draw.go), the others as html/template views (render.go, left
// out of cards.wasm). It is platform-neutral: the WASM module renders it into the page, and tests render
// it natively.
package ui

import "github.com/ponte-it/ponte/internal/words"

// Catalog is the message catalogue of package words (the extension's _locales), under the name the
// views have always used.
type Catalog = words.Catalog

// ParseCatalog reads a chrome.i18n messages.json file.
func ParseCatalog(lang string, b []byte) (*Catalog, error) { return words.Parse(lang, b) }

// PickLang chooses the UI language from the browser's: English for "en*", Italian for everything else.
func PickLang(browser string) string { return words.PickLang(browser) }
