//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// runPortalOffers is the module's "offers" mode for the portal panel (extension/portal.js): background.js
// puts the host's cards result and the page's language in globalThis.ponteOffersJob ({cards, lang, now})
// and reads globalThis.ponteOffersResult: per "card/cert" whether RINNOVA is offered, else the reason in
// the card list's own words (computeOffers, the same CA profiles), and the last OCSP status stored
// (SOSPESO / REVOCATO with the date). No host, no page, no PIN.
func runPortalOffers() {
	result := func(v any) {
		b, _ := json.Marshal(v)
		js.Global().Set("ponteOffersResult", string(b))
	}
	job := js.Global().Get("ponteOffersJob")
	var cards protocol.CardsResult
	if !job.Truthy() || json.Unmarshal([]byte(job.Get("cards").String()), &cards) != nil {
		result(map[string]string{"error": "no job"})
		return
	}
	a := &app{}
	a.loadProfiles()
	cache, _ := loadCache()
	result(ui.PortalOffers(computeOffers(a.profiles, cards.Readers, nil, ui.PickLang(job.Get("lang").String()),
		time.UnixMilli(int64(job.Get("now").Float()))), cards.Readers, ui.WatchFromCache(cache)))
}
