// Package extension gives Go programs the extension's message catalogue (_locales), the one place Ponte's
// words live: the CLI (cmd/ponte) and `ponte-host diagnose` speak from it natively, as the pages do
// through chrome.i18n and the WASM through the copy it fetches. The extension folder itself holds no
// other Go: scripts/stamp leaves .go files out of the built extension.
package extension

import (
	_ "embed"

	"github.com/ponte-it/ponte/internal/words"
)

// Explicit file names: a pattern naming the folder would skip it, as go:embed skips names starting
// with "_".
var (
	//go:embed _locales/it/messages.json
	messagesIT []byte
	//go:embed _locales/en/messages.json
	messagesEN []byte
)

// Catalog is the catalogue of lang (words.PickLang: English for "en*", Italian for anything else).
func Catalog(lang string) *words.Catalog {
	lang, b := words.PickLang(lang), messagesIT
	if lang == "en" {
		b = messagesEN
	}
	c, err := words.Parse(lang, b)
	if err != nil {
		panic("extension: " + err.Error()) // the files are checked by TestLocalesParse at build time
	}
	return c
}
