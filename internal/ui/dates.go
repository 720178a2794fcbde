package ui

import (
	"time"

	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
)

// ExpiringDays is when a certificate starts to count as "in scadenza": the first reminder (30 days) and the
// official advice to renew within a month of expiry (seed 003).
const ExpiringDays = 30

// parseDate reads the protocol's dates: RFC 3339 timestamps or YYYY-MM-DD.
func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// formatDate writes a date the Italian way, DD/MM/YYYY, as the official tools do ("Scadenza il 03/12/2023").
func formatDate(s string) string {
	t, ok := parseDate(s)
	if !ok {
		return s
	}
	return itime.Date(t)
}

func daysLeft(now time.Time, s string) int {
	t, ok := parseDate(s)
	if !ok {
		return 0
	}
	return int(t.Sub(now).Hours() / 24)
}

// CertState is "expired", "expiring" (within ExpiringDays) or "valid".
func CertState(now time.Time, notAfter string) string {
	t, ok := parseDate(notAfter)
	switch {
	case !ok || !now.Before(t):
		return "expired"
	case t.Sub(now) <= ExpiringDays*24*time.Hour:
		return "expiring"
	}
	return "valid"
}

// CardExpiry is the date shown next to the holder: the authentication certificate's expiry (what stops the
// card working on portals), else the card's printed expiry from EF_DatiPersonali.
func CardExpiry(c *protocol.Card) string {
	for _, cert := range c.Certificates {
		if cert.Role == "cns" {
			return cert.NotAfter
		}
	}
	if c.Holder != nil {
		return c.Holder.ExpiryDate
	}
	return ""
}
