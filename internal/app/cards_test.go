package app

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// RINNOVA is offered by the first profile that can renew; a renewal open for the certificate (by the
// engine's own answer, renew.OpenFor) blocks it; a finished one, or one of another card, does not.
func TestOffers(t *testing.T) {
	w := newWorld(t)
	readers := []protocol.Reader{{Name: "r0"}, {Name: "r1", Card: w.card}}
	cns, sig := w.card.Certificates[0], w.card.Certificates[1]
	other := &renew.Profile{ID: "other", Name: "Altra CA", Issuers: []string{"CN=Altra"}, Renews: []renew.Rule{{Role: "cns", WindowDays: 60}}}
	now := time.Now()
	journal := []*renew.Renewal{
		{ID: "open", Card: "card1", OldCert: cns.DER, Step: renew.StepWaiting},
		{ID: "done", Card: "card1", OldCert: sig.DER, Step: renew.StepDone},
		{ID: "elsewhere", Card: "card9", OldCert: sig.DER, Step: renew.StepWrite},
	}
	got := Offers([]*renew.Profile{other, w.profile}, readers, journal, now)
	if o := got["card1/01"]; o.Eligible || !reflect.DeepEqual(o.Reason, renew.ReasonOpen.Words()) {
		t.Errorf("open renewal: %+v", o)
	}
	if o := got["card1/02"]; !o.Eligible || o.Reason != nil {
		t.Errorf("renewable: %+v", o)
	}
	if len(got) != 2 {
		t.Errorf("offers %v", got)
	}
	// Only the other CA: its reason (another issuer) is what the list says, in the language asked.
	got = Offers([]*renew.Profile{other}, readers, nil, now)
	if o := got["card1/02"]; o.Eligible || o.Reason == nil {
		t.Errorf("other issuer: %+v", o)
	}
	// Too early beats "no rule" when a profile renews that kind of certificate.
	got = Offers([]*renew.Profile{other, w.profile}, readers, nil, now.AddDate(0, 0, -300))
	if o := got["card1/02"]; o.Eligible || o.Reason == nil || reflect.DeepEqual(o.Reason, renew.ReasonOpen.Words()) {
		t.Errorf("too early: %+v", o)
	}
	// The card list's state: pending renewals (open, or failed with objects left) per card.
	h := w.app(t)
	journal = append(journal, &renew.Renewal{ID: "stuck", Card: "card1", Step: renew.StepFailed, RollbackFailed: true})
	s := h.do(CardsRead{Readers: readers, Journal: journal})
	if n := len(s.Pending["card1"]); n != 2 || !s.CardsLoaded || !s.Offers["card1/02"].Eligible {
		t.Errorf("pending %v offers %v", s.Pending, s.Offers)
	}
	// RINNOVA on a certificate that is not offered opens nothing.
	if s := h.do(OpenRenewal{Card: "card1", Cert: "zz"}); s.Flow != nil {
		t.Errorf("renewal of an unknown certificate: %+v", s.Flow)
	}
	_ = ui.FlowTerms
}

// TestPortalAgreesWithCardList (issue 17, the live portal panel): over the journal as the host lists it
// (journal-list, JSON records), the panel offers RINNOVA exactly where the card list does and otherwise
// gives the card list's reason; a renewal open for a certificate is RIPRENDI on the list, never RINNOVA on
// the panel; an unreadable record is left out by both.
func TestPortalAgreesWithCardList(t *testing.T) {
	w := newWorld(t)
	readers := []protocol.Reader{{Name: "r1", Card: w.card}}
	cns := w.card.Certificates[0]
	open := &renew.Renewal{ID: "open", Card: "card1", OldCert: cns.DER, Step: renew.StepWaiting}
	rec, err := json.Marshal(open)
	if err != nil {
		t.Fatal(err)
	}
	for _, records := range []map[string]json.RawMessage{nil, {"open": rec}, {"open": rec, "bad": json.RawMessage(`{"x":1}`)}} {
		var journal []*renew.Renewal
		if records != nil {
			journal = []*renew.Renewal{open}
		}
		s := w.app(t).do(CardsRead{Readers: readers, Journal: journal})
		panel := PortalOffers([]*renew.Profile{w.profile}, readers, protocol.JournalListResult{Records: records}, Now(), ui.Watch{})
		if len(panel) != len(s.Offers) || len(panel) != 2 {
			t.Fatalf("panel %v list %v", panel, s.Offers)
		}
		for k, o := range s.Offers {
			if p := panel[k]; p.Renew != o.Eligible || !reflect.DeepEqual(p.Reason, o.Reason) {
				t.Errorf("%d records, %s: panel %+v, card list %+v", len(records), k, p, o)
			}
		}
		if p := panel["card1/"+cns.ID]; (records != nil) == p.Renew {
			t.Errorf("%d records: panel %+v for the certificate with an open renewal", len(records), p)
		}
	}
}
