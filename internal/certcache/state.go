package certcache

import (
	"sort"
	"time"
)

// States of the inventory, in the words of the ANPR security console (seed 003, "STATO CERTIFICATO").
const (
	Active    = "active"    // ATTIVO
	Expiring  = "expiring"  // IN SCADENZA: within ExpiringDays
	Expired   = "expired"   // SCADUTO
	Revoked   = "revoked"   // REVOCATO
	Suspended = "suspended" // SOSPESO: revoked with reason certificateHold (RFC 5280 §5.3.1), may come back
	Pending   = "pending"   // RICHIESTA IN LAVORAZIONE: a renewal waits at the CA
)

// reasonCertificateHold is CRLReason certificateHold (RFC 5280 §5.3.1): a suspension.
const reasonCertificateHold = 6

// ExpiringDays: "eseguire le operazioni di rinnovo entro un mese dalla scadenza" (seed 003, §4).
const ExpiringDays = 30

// State is a record's state at now; pending says a renewal of that card and role is under way.
func State(r Record, now time.Time, pending bool) string {
	t, err := time.Parse(time.RFC3339, r.NotAfter)
	switch {
	case pending:
		return Pending
	case r.Revoked && r.Status != nil && r.Status.Reason == reasonCertificateHold:
		return Suspended
	case r.Revoked:
		return Revoked
	case err != nil || !now.Before(t):
		return Expired
	case t.Sub(now) <= ExpiringDays*24*time.Hour:
		return Expiring
	}
	return Active
}

// Sorted lists the records by expiry, soonest first (then by key, for a stable page).
func Sorted(cache map[string]Record) []Record {
	out := make([]Record, 0, len(cache))
	for _, r := range cache {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NotAfter != out[j].NotAfter {
			return out[i].NotAfter < out[j].NotAfter
		}
		return Key(out[i]) < Key(out[j])
	})
	return out
}
