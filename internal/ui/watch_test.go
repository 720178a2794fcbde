package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
)

// The OCSP statuses show in both languages: REVOCATO with date and reason in the inventory and in the card
// list, "non verificato" with the date of the last good check, or "never" when none succeeded.
func TestWatchStatusRenders(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(serial string, st *certcache.Status) certcache.Record {
		return certcache.Record{Card: "C1", Name: "RSSMRA80A01H501U", Holder: "ROSSI MARIO", Role: "cns", NotAfter: "2027-06-10T00:00:00Z",
			Serial: serial, Issuer: "CN=CA", Source: "card", Status: st, Revoked: st != nil && st.State == certcache.StatusRevoked}
	}
	cache := certcache.Add(nil,
		rec("01", &certcache.Status{State: certcache.StatusRevoked, Checked: "2026-12-30T10:00:00Z", RevokedAt: "2026-12-20T10:00:00Z", Reason: 1}),
		rec("02", &certcache.Status{State: certcache.StatusUnverified, Checked: "2026-12-30T10:00:00Z", LastGood: "2026-12-23T10:00:00Z", Failures: 1}),
		rec("03", &certcache.Status{State: certcache.StatusUnverified, Checked: "2026-12-30T10:00:00Z", Failures: 2}),
		rec("04", &certcache.Status{State: certcache.StatusGood, Checked: "2026-12-29T10:00:00Z", LastGood: "2026-12-29T10:00:00Z"}),
	)
	words := map[string][]string{
		"it": {"REVOCATO", "dal 20/12/2026 – motivo: compromissione della chiave", "stato non verificato: ultima verifica riuscita il 23/12/2026",
			"il servizio OCSP non ha ancora risposto", "verificato il 29/12/2026", "ATTIVO"},
		"en": {"REVOKED", "since 20/12/2026 – reason: key compromise", "status not verified: last successful check on 23/12/2026",
			"has not answered yet", "checked on 29/12/2026"},
	}
	for lang, cat := range catalogs(t) {
		html, err := Render(State{Mode: "inventory", Lang: lang, Conn: Connected, Now: now,
			Inventory: Inventory{Loaded: true, Rows: InventoryRows(cache, nil, now)}}, cat)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, w := range words[lang] {
			if !strings.Contains(html, w) {
				t.Errorf("%s inventory lacks %q", lang, w)
			}
		}
	}

	card := &protocol.Card{ID: "C1", Certificates: []protocol.Certificate{
		{Role: "cns", NotAfter: "2027-06-10T00:00:00Z", Serial: "01", Issuer: "CN=CA"},
		{Role: "signature", NotAfter: "2027-06-10T00:00:00Z", Serial: "04", Issuer: "CN=CA"},
	}}
	s := State{Mode: "app", Lang: "it", Conn: Connected, Now: now, CardsLoaded: true,
		Readers: []protocol.Reader{{Name: "R1", Card: card}}, Watch: WatchFromCache(cache)}
	html, err := Render(s, catalogs(t)["it"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "REVOCATO il 20/12/2026 – motivo: compromissione della chiave") || strings.Count(html, `data-check="revoked"`) != 1 {
		t.Errorf("card list: the revoked certificate (and only it) is not marked:\n%s", html)
	}
}
