//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
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
	var jl protocol.JournalListResult
	var journal []*renew.Renewal
	if j := job.Get("journal"); j.Truthy() && json.Unmarshal([]byte(j.String()), &jl) == nil {
		for _, b := range jl.Records {
			if r, err := renew.DecodeRenewal(b); err == nil {
				journal = append(journal, r)
			}
		}
	}
	cache, _ := loadCache()
	result(ui.PortalOffers(ctrl.Offers(shippedProfiles(), cards.Readers, journal, ui.PickLang(job.Get("lang").String()),
		time.UnixMilli(int64(job.Get("now").Float()))), cards.Readers, ui.WatchFromCache(cache)))
}
