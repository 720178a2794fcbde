//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// refreshCards reads readers, cards and the renewal journal; the controller recomputes what RINNOVA
// offers (app.Offers) and, when inserted (a card came in), resumes a renewal paused for that card.
func (a *app) refreshCards(inserted bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	host := a.host()
	readers, err := hostcard.List(ctx, host)
	if err != nil {
		a.problem(err)
		return
	}
	journal, err := (renew.HostJournal{Host: host, Ctx: ctx}).List()
	if err != nil {
		journal = nil // the list is shown without its pending renewals
	}
	a.ctl.Do(ctrl.CardsRead{Readers: readers, Journal: journal, Inserted: inserted})
	a.cacheCards(readers)
}

// onEvent: any card or reader change re-reads the list.
func (a *app) onEvent(m protocol.Message) {
	switch m.Event {
	case protocol.EvCardInserted, protocol.EvCardRemoved, protocol.EvReaderAdded, protocol.EvReaderRemoved:
		go a.refreshCards(m.Event == protocol.EvCardInserted)
	}
}

// loadProfiles reads the CA profiles shipped with the UI.
func (a *app) loadProfiles() { a.ctl.Do(ctrl.ProfilesLoaded{Profiles: shippedProfiles()}) }

// shippedProfiles reads the CA profiles shipped with the UI (profiles/index.json lists the files); none:
// cards are shown, renewal is not offered.
func shippedProfiles() []*renew.Profile {
	b, err := fetchFile("profiles/index.json")
	if err != nil {
		return nil
	}
	var names []string
	if json.Unmarshal(b, &names) != nil {
		return nil
	}
	var ps []*renew.Profile
	for _, n := range names {
		pb, err := fetchFile("profiles/" + n)
		if err != nil {
			continue
		}
		p, err := renew.ParseProfile(pb)
		if err != nil {
			js_console("Ponte: " + err.Error())
			continue
		}
		ps = append(ps, p)
	}
	return ps
}
