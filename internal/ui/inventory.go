package ui

import (
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/renew"
)

// Inventory is the state of the inventory page (inventory.html): every certificate seen on a card or
// added from a file, in the columns of the ANPR security console (seed 003).
type Inventory struct {
	Loaded bool
	Rows   []InventoryRow
	Error  string // the last add that failed, in IT / EN words from certcache
	Added  string // name of the certificate just added
}

// InventoryRow is one line: code/name, role, state, expiry.
type InventoryRow struct {
	Key      string
	Name     string
	Holder   string
	Role     string
	State    string // certcache.Active ... certcache.Pending
	NotAfter string
	Source   string
	File     string            // the file name, for SourceFile
	Card     string            // the card ID, for SourceCard: suspend, reactivate, revoke on its card list
	Check    *certcache.Status // the last OCSP check (internal/certwatch), nil before the first
}

// InventoryRows computes the rows at now; pending lists the renewals under way per card.
func InventoryRows(cache map[string]certcache.Record, pending map[string][]*renew.Renewal, now time.Time) []InventoryRow {
	var out []InventoryRow
	for _, r := range certcache.Sorted(cache) {
		p := false
		if r.Source == certcache.SourceCard {
			for _, ren := range pending[r.Card] {
				p = p || ren.Role == r.Role
			}
		}
		row := InventoryRow{Key: certcache.Key(r), Name: r.Name, Holder: r.Holder, Role: r.Role,
			State: certcache.State(r, now, p), NotAfter: r.NotAfter, Source: r.Source, Check: r.Status}
		if r.Source == certcache.SourceFile {
			row.File = r.Card
		} else {
			row.Card = r.Card
		}
		out = append(out, row)
	}
	return out
}
