package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/renew"
)

// The inventory renders every ANPR state in both languages; a pending renewal shows RICHIESTA IN
// LAVORAZIONE for that card and role only.
func TestInventoryRenders(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	cache := certcache.Add(nil,
		certcache.Record{Card: "C1", Name: "RSSMRA80A01H501U", Holder: "ROSSI MARIO", Role: "cns", NotAfter: "2027-01-10T00:00:00Z", Serial: "01", Issuer: "CN=CA", Source: "card"},
		certcache.Record{Card: "C1", Name: "RSSMRA80A01H501U", Holder: "ROSSI MARIO", Role: "signature", NotAfter: "2027-01-10T00:00:00Z", Serial: "02", Issuer: "CN=CA", Source: "card"},
		certcache.Record{Card: "pc.p12", Name: "XXXXX-PC-0001", Holder: "XXXXX-PC-0001", Role: "other", NotAfter: "2026-04-11T16:19:00Z", Serial: "03", Issuer: "CN=CA", Source: "file"},
		certcache.Record{Card: "srv.cer", Name: "XXXXX-CO-9998", Holder: "XXXXX-CO-9998", Role: "other", NotAfter: "2028-03-08T14:46:00Z", Serial: "04", Issuer: "CN=CA", Source: "file"},
		certcache.Record{Card: "old.cer", Name: "XXXXX-CO-9999", Holder: "XXXXX-CO-9999", Role: "other", NotAfter: "2028-03-08T14:46:00Z", Serial: "05", Issuer: "CN=CA", Source: "file", Revoked: true},
	)
	pending := map[string][]*renew.Renewal{"C1": {{Card: "C1", Role: "signature"}}}
	rows := InventoryRows(cache, pending, now)
	states := map[string]string{}
	for _, r := range rows {
		states[r.Key] = r.State
	}
	want := map[string]string{"CN=CA|01": "expiring", "CN=CA|02": "pending", "CN=CA|03": "expired", "CN=CA|04": "active", "CN=CA|05": "revoked"}
	for k, w := range want {
		if states[k] != w {
			t.Errorf("%s: %s, want %s", k, states[k], w)
		}
	}
	for lang, cat := range catalogs(t) {
		html, err := Render(State{Mode: "inventory", Lang: lang, Conn: Connected, Inventory: Inventory{Loaded: true, Rows: rows, Added: "X"}}, cat)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		words := []string{"ATTIVO", "IN SCADENZA", "SCADUTO", "REVOCATO", "RICHIESTA IN LAVORAZIONE", "08/03/2028", "XXXXX-PC-0001"}
		if lang == "en" {
			words = []string{"ACTIVE", "EXPIRING", "EXPIRED", "REVOKED", "REQUEST IN PROGRESS"}
		}
		for _, w := range words {
			if !strings.Contains(html, w) {
				t.Errorf("%s: inventory lacks %q", lang, w)
			}
		}
		if _, err := Render(State{Mode: "inventory", Lang: lang, Conn: Failed, Problem: &Problem{Detail: "x"}}, cat); err != nil {
			t.Fatalf("%s empty: %v", lang, err)
		}
	}
}
