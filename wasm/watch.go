//go:build js && wasm

package main

import (
	"encoding/json"
	"strings"
	"syscall/js"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// loadCache reads the certificate records from chrome.storage.local (none outside the extension).
func loadCache() (map[string]certcache.Record, error) {
	text, err := storageGetJSON(certcache.StorageKey)
	if err != nil || text == "" {
		return map[string]certcache.Record{}, err
	}
	cache := map[string]certcache.Record{}
	if err := json.Unmarshal([]byte(text), &cache); err != nil {
		return map[string]certcache.Record{}, nil // a damaged cache is rebuilt from the next card read
	}
	return cache, nil
}

func saveCache(cache map[string]certcache.Record) error {
	b, err := json.Marshal(cache)
	if err != nil {
		return err
	}
	return storageSetJSON(certcache.StorageKey, string(b))
}

// cacheCards records the certificates of the cards just read, for the expiry watch (background.js) and
// the inventory; the inventory page is redrawn from the new cache.
func (a *app) cacheCards(readers []protocol.Reader) {
	if !storageLocal().Truthy() {
		return
	}
	cache, err := loadCache()
	if err != nil {
		js_console("Ponte: " + err.Error())
		return
	}
	merged := certcache.Merge(cache, certcache.FromCards(readers))
	if err := saveCache(merged); err != nil {
		js_console("Ponte: " + err.Error())
	}
	a.update(func(s *ui.State) { s.Watch = ui.WatchFromCache(merged) }) // OCSP statuses on the card list
	if f, ok := cardsCached[a.mode]; ok {
		f(a)
	}
}

// cardsCached runs, per page, what follows a new cache of the cards read (inventory.go: the inventory is
// drawn again).
var cardsCached = map[string]func(a *app){"app": func(*app) { showCardFromHash() }}

// showCardFromHash brings into view the card a reminder or the portal panel opened app.html for
// (app.html#card=<id>).
func showCardFromHash() {
	loc := js.Global().Get("location")
	id, ok := strings.CutPrefix(loc.Get("hash").String(), "#card=")
	if !ok || id == "" {
		return
	}
	id = js.Global().Call("decodeURIComponent", id).String()
	sel := `article.smartcard[data-card="` + js.Global().Get("CSS").Call("escape", id).String() + `"]`
	if el := js.Global().Get("document").Call("querySelector", sel); el.Truthy() {
		el.Call("scrollIntoView", map[string]any{"block": "center"})
	}
}
