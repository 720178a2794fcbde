package ui

import (
	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// PortalOffer is what the Sistema TS portal panel (extension/portal.js) shows for one certificate:
// RINNOVA where the card list would offer it, else the card list's reason; a suspension or revocation the
// last OCSP check found, with its date, in place of either.
type PortalOffer struct {
	Renew  bool            `json:"renew"`
	Reason []words.Message `json:"reason,omitempty"` // worded by portal.js from the catalogue
	State  string          `json:"state,omitempty"`  // certcache.Suspended or certcache.Revoked
	Since  string          `json:"since,omitempty"`  // RFC 3339
}

// PortalOffers keys the panel's view by "card/cert".
func PortalOffers(offers map[string]Offer, readers []protocol.Reader, w Watch) map[string]PortalOffer {
	out := map[string]PortalOffer{}
	for _, r := range readers {
		if r.Card == nil {
			continue
		}
		for _, c := range r.Card.Certificates {
			k := r.Card.ID + "/" + c.ID
			o := offers[k]
			p := PortalOffer{Renew: o.Eligible, Reason: o.Reason}
			if st := w.CertStatus(c); st != nil && st.State == certcache.StatusRevoked {
				p = PortalOffer{State: certcache.Revoked, Since: st.RevokedAt}
				if st.Reason == reasonCertificateHold {
					p.State = certcache.Suspended
				}
			}
			out[k] = p
		}
	}
	return out
}
