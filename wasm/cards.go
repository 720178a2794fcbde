//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// refreshCards reads readers, cards and pending renewals, and recomputes what RINNOVA offers.
func (a *app) refreshCards() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	readers, err := hostcard.List(ctx, a.client)
	if err != nil {
		a.problem(err)
		return
	}
	pending := map[string][]*renew.Renewal{}
	if all, err := (renew.HostJournal{Host: a.client, Ctx: ctx}).List(); err == nil {
		for _, r := range all {
			if r.NeedsAttention() {
				pending[r.Card] = append(pending[r.Card], r)
			}
		}
	}
	a.mu.Lock()
	lang, profiles := a.state.Lang, a.profiles
	a.mu.Unlock()
	offers, manage := computeOffers(profiles, readers, pending, lang, time.Now()), computeManage(profiles, readers)
	a.update(func(s *ui.State) {
		s.Readers, s.CardsLoaded, s.Pending, s.Offers, s.Manage = readers, true, pending, offers, manage
	})
	a.cacheCards(readers)
}

// computeOffers picks, per certificate, the first CA profile that can renew it; otherwise the reason
// given by a profile that renews that kind of certificate.
func computeOffers(profiles []*renew.Profile, readers []protocol.Reader, pending map[string][]*renew.Renewal, lang string, now time.Time) map[string]ui.Offer {
	out := map[string]ui.Offer{}
	for _, r := range readers {
		if r.Card == nil {
			continue
		}
		for _, cert := range r.Card.Certificates {
			o := ui.Offer{Card: r.Card.ID, Cert: cert.ID}
			if open := openRenewal(pending[r.Card.ID], cert); open != nil {
				// One renewal per certificate at a time: its SCARICA/RIPRENDI is shown instead.
				o.Reason = renew.ReasonOpen.Text(lang)
				out[r.Card.ID+"/"+cert.ID] = o
				continue
			}
			for _, p := range profiles {
				reason := renew.Eligible(p, r.Card, cert, now)
				if reason == nil {
					o.Eligible, o.Reason = true, ""
					break
				}
				if o.Reason == "" || reason.Code != "no-rule" && reason.Code != "other-issuer" {
					o.Reason = reason.Text(lang)
				}
			}
			out[r.Card.ID+"/"+cert.ID] = o
		}
	}
	return out
}

// onEvent: any card or reader change re-reads the list; a card coming back resumes a paused renewal.
func (a *app) onEvent(m protocol.Message) {
	switch m.Event {
	case protocol.EvCardInserted, protocol.EvCardRemoved, protocol.EvReaderAdded, protocol.EvReaderRemoved:
	default:
		return
	}
	go func() {
		a.refreshCards()
		a.reinsertStep()
		if m.Event != protocol.EvCardInserted {
			return
		}
		a.mu.Lock()
		f := a.state.Flow
		a.mu.Unlock()
		// Only the renewal's own card coming back resumes it (another card, or a reader's spurious event,
		// does not): the PKCS#11 session ended with the removal, so the PIN is asked again first.
		if f != nil && f.Paused && a.findCard(f.CardID) != nil {
			a.update(func(s *ui.State) { s.Flow.Paused, s.Flow.Screen = false, "pin" })
		}
	}()
}

// loadProfiles reads the CA profiles shipped with the UI (profiles/index.json lists the files).
func (a *app) loadProfiles() {
	b, err := fetchFile("profiles/index.json")
	if err != nil {
		return // no profile: cards are shown, renewal is not offered
	}
	var names []string
	if json.Unmarshal(b, &names) != nil {
		return
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
	a.mu.Lock()
	a.profiles = ps
	a.mu.Unlock()
}

// openRenewal is the unfinished renewal of cert, if any.
func openRenewal(pending []*renew.Renewal, cert protocol.Certificate) *renew.Renewal {
	for _, r := range pending {
		if r.OldKey == cert.ID || bytes.Equal(r.OldCert, cert.DER) {
			return r
		}
	}
	return nil
}

// reinsertStep follows the renewed card out of and back into its reader on the success screen
// (ui.ReinsertEvent), from the list just re-read.
func (a *app) reinsertStep() {
	a.mu.Lock()
	f := a.state.Flow
	a.mu.Unlock()
	if f == nil || f.Screen != "success" || !f.Reinsert {
		return
	}
	present := a.findCard(f.CardID) != nil
	a.update(func(s *ui.State) {
		if s.Flow != nil {
			s.Flow.ReinsertStep = ui.ReinsertEvent(s.Flow.ReinsertStep, present)
		}
	})
}
