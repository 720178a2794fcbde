package ui

import (
	"strings"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Watch is what the weekly OCSP check (internal/certwatch) stored about the certificates, for the card
// list: the status per record key (certcache.Key).
type Watch struct {
	Status map[string]*certcache.Status
}

// WatchFromCache collects the stored statuses of a cache.
func WatchFromCache(cache map[string]certcache.Record) Watch {
	w := Watch{Status: map[string]*certcache.Status{}}
	for k, r := range cache {
		if r.Status != nil {
			w.Status[k] = r.Status
		}
	}
	return w
}

// CertStatus is the stored status of a card's certificate, or nil (the key as certcache.FromCards makes it).
func (w Watch) CertStatus(c protocol.Certificate) *certcache.Status {
	return w.Status[c.Issuer+"|"+strings.ToLower(c.Serial)]
}
