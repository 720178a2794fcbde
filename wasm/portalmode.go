//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// The portal panel's offers (extension/portal.js), in both modules: background.js runs the lean
// cards.wasm, not ponte.wasm, for each update of the panel.
func init() { modes["offers"] = runPortalOffers }

// runPortalOffers is the module's "offers" mode: background.js puts the host's cards result, its renewal
// journal (journal-list), and the page's language in globalThis.ponteOffersJob ({cards, journal, lang,
// now}) and reads globalThis.ponteOffersResult: per "card/cert" whether RINNOVA is offered, else the
// reason in the card list's own words — the same answer as the card list (app.Offers over the same CA
// profiles and journal, renew.OpenFor: a renewal already open is RIPRENDI there, never RINNOVA here) —
// and the last OCSP status stored (SOSPESO / REVOCATO with the date). No page, no PIN.
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
	var journal protocol.JournalListResult
	if j := job.Get("journal"); j.Truthy() {
		_ = json.Unmarshal([]byte(j.String()), &journal) // unreadable: offers without the open renewals
	}
	cache, _ := loadCache()
	result(ctrl.PortalOffers(shippedProfiles(), cards.Readers, journal,
		time.UnixMilli(int64(job.Get("now").Float())), ui.WatchFromCache(cache)))
}
