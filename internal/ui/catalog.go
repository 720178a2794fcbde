// Package ui holds the screens of Ponte as views of one State value, and the message catalogue they speak:
// the card list's pages in hand-written Go (draw.go), the others as html/template views (render.go, left
// out of cards.wasm). It is platform-neutral: the WASM module renders it into the page, and tests render
// it natively.
package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Catalog is one language's messages, read from the extension's _locales/<lang>/messages.json — the same
// files chrome.i18n uses for the manifest, so every string is written once.
type Catalog struct {
	Lang string
	msgs map[string]string
	// Strict makes a missing key an error (tests); otherwise the key itself is shown.
	Strict bool
}

// ParseCatalog reads a chrome.i18n messages.json file.
func ParseCatalog(lang string, b []byte) (*Catalog, error) {
	var raw map[string]struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("messages %s: %w", lang, err)
	}
	c := &Catalog{Lang: lang, msgs: make(map[string]string, len(raw))}
	for k, v := range raw {
		c.msgs[strings.ToLower(k)] = v.Message // chrome.i18n keys are case-insensitive
	}
	return c, nil
}

// T returns the message for key with $1..$9 replaced by args.
func (c *Catalog) T(key string, args ...any) (string, error) {
	m, ok := c.msgs[strings.ToLower(key)]
	if !ok {
		if c.Strict {
			return "", fmt.Errorf("message %q missing in %s", key, c.Lang)
		}
		return key, nil
	}
	for i := len(args); i >= 1; i-- { // $10 before $1 would matter only past nine args
		m = strings.ReplaceAll(m, "$"+strconv.Itoa(i), fmt.Sprint(args[i-1]))
	}
	return m, nil
}

// Keys lists the catalogue's keys (lower case).
func (c *Catalog) Keys() []string {
	out := make([]string, 0, len(c.msgs))
	for k := range c.msgs {
		out = append(out, k)
	}
	return out
}

// PickLang chooses the UI language from the browser's: English for "en*", Italian for everything else.
func PickLang(browser string) string {
	if strings.HasPrefix(strings.ToLower(browser), "en") {
		return "en"
	}
	return "it"
}
