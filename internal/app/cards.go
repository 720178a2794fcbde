package app

import (
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// ProfilesLoaded: the CA profiles shipped with the UI (profiles/index.json), read by the page.
type ProfilesLoaded struct{ Profiles []*renew.Profile }

func (a ProfilesLoaded) apply(c *Controller) {
	c.profiles = a.Profiles
	c.mu.Lock()
	c.profilesSnap = a.Profiles
	c.mu.Unlock()
}

// Profiles are the CA profiles loaded (for the Firma page's anchors and time-stamp service).
func (c *Controller) Profiles() []*renew.Profile {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.profilesSnap
}

// CardsRead is what the page read from the host: readers and cards, and the journal's renewals (nil
// when it could not be read). Inserted: a card event said a card came in, so a renewal paused for its
// card resumes — with the PIN asked again, the PKCS#11 session having ended with the removal.
type CardsRead struct {
	Readers  []protocol.Reader
	Journal  []*renew.Renewal
	Inserted bool
}

func (a CardsRead) apply(c *Controller) {
	pending := map[string][]*renew.Renewal{}
	for _, r := range a.Journal {
		if r.NeedsAttention() {
			pending[r.Card] = append(pending[r.Card], r)
		}
	}
	c.s.Readers, c.s.CardsLoaded, c.s.Pending = a.Readers, true, pending
	c.s.Offers = Offers(c.profiles, a.Readers, a.Journal, Now())
	c.s.Manage = Manage(c.profiles, a.Readers)
	// The success screen of a family that must be taken out and put back follows the card (seed 000).
	if f := c.s.Flow; f != nil && f.Screen == ui.FlowSuccess && f.Reinsert {
		f.ReinsertStep = ui.ReinsertEvent(f.ReinsertStep, c.findCard(f.CardID) != nil)
	}
	// Only the renewal's own card coming back resumes it (another card, or a reader's spurious event,
	// does not).
	if f := c.s.Flow; a.Inserted && f != nil && f.Paused && c.findCard(f.CardID) != nil {
		f.Paused, f.Screen = false, ui.FlowPIN
	}
}

// Offers picks, per certificate, the first CA profile that can renew it; otherwise the reason given by a
// profile that renews that kind of certificate. A certificate whose renewal is open (renew.OpenFor, the
// answer Begin gives) is not offered a second one: its SCARICA/RIPRENDI is shown instead.
func Offers(profiles []*renew.Profile, readers []protocol.Reader, journal []*renew.Renewal, now time.Time) map[string]ui.Offer {
	out := map[string]ui.Offer{}
	for _, r := range readers {
		if r.Card == nil {
			continue
		}
		for _, cert := range r.Card.Certificates {
			out[r.Card.ID+"/"+cert.ID] = offer(profiles, r.Card, cert, journal, now)
		}
	}
	return out
}

func offer(profiles []*renew.Profile, card *protocol.Card, cert protocol.Certificate, journal []*renew.Renewal, now time.Time) ui.Offer {
	o := ui.Offer{Card: card.ID, Cert: cert.ID}
	if renew.OpenFor(journal, card.ID, cert) != nil {
		o.Reason = renew.ReasonOpen.Words()
		return o
	}
	for _, p := range profiles {
		reason := renew.Eligible(p, card, cert, now)
		if reason == nil {
			o.Eligible, o.Reason = true, nil
			return o
		}
		// The reason of a profile that renews this kind of certificate says more than "not ours".
		if o.Reason == nil || reason.Code != "no-rule" && reason.Code != "other-issuer" {
			o.Reason = reason.Words()
		}
	}
	return o
}

// Manage says per certificate which CA profile can take its rr (the one naming its issuer): SOSPENDI,
// RIATTIVA, REVOCA on the card list (issue 17).
func Manage(profiles []*renew.Profile, readers []protocol.Reader) map[string]ui.Manage {
	out := map[string]ui.Manage{}
	for _, r := range readers {
		if r.Card == nil {
			continue
		}
		for _, cert := range r.Card.Certificates {
			if p := renew.IssuerProfile(profiles, cert); p != nil {
				out[r.Card.ID+"/"+cert.ID] = ui.Manage{Profile: p.Name, SuspensionDays: p.SuspensionDays}
			}
		}
	}
	return out
}

func (c *Controller) findCard(id string) *protocol.Card {
	for _, r := range c.s.Readers {
		if r.Card != nil && r.Card.ID == id {
			return r.Card
		}
	}
	return nil
}

func (c *Controller) profile(id string) *renew.Profile {
	for _, p := range c.profiles {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// refresh asks the page to read the cards again (after an operation changed them).
func (c *Controller) refresh() {
	if c.fx.Page != nil {
		c.fx.Page.Refresh()
	}
}

// PortalOffers is the Sistema TS portal panel's view (wasm/portalmode.go, for extension/background.js):
// the card list's own offers (Offers, over the journal the host listed: a renewal already open is
// RIPRENDI on the list, never RINNOVA on the panel), with the last OCSP statuses. A journal record that
// does not decode is left out, as the card list leaves it (renew.HostJournal.List).
func PortalOffers(profiles []*renew.Profile, readers []protocol.Reader, journal protocol.JournalListResult, now time.Time, w ui.Watch) map[string]ui.PortalOffer {
	var list []*renew.Renewal
	for _, b := range journal.Records {
		if r, err := renew.DecodeRenewal(b); err == nil {
			list = append(list, r)
		}
	}
	return ui.PortalOffers(Offers(profiles, readers, list, now), readers, w)
}
