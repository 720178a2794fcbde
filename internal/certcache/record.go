// Package certcache is the certificate metadata Ponte remembers between visits — never a key or a PIN — so
// the expiry watch (extension/background.js) and the inventory page know every certificate seen before: the
// ones on the cards and the files the user added (workstation or server certificates, seed 003).
//
// Records live in chrome.storage.local under StorageKey as a JSON object keyed by Key; the JS side
// (extension/expiry.mjs) reads the same fields.
package certcache

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
)

// StorageKey is the chrome.storage.local key of the records (shared with extension/background.js).
const StorageKey = "ponteCerts"

// Sources of a record.
const (
	SourceCard = "card" // read from a card by the app page
	SourceFile = "file" // added on the inventory page from a .cer/.pem/.p12 file
)

// Record is one certificate's metadata.
type Record struct {
	Card     string `json:"card"`   // card ID for SourceCard; the file name for SourceFile
	Holder   string `json:"holder"` // "SURNAME NAME" or the subject's CN
	Role     string `json:"role"`   // "cns", "signature", "other"
	Name     string `json:"name"`   // code/name as the ANPR console shows it: the subject CN
	NotAfter string `json:"notAfter"`
	Serial   string `json:"serial"` // hex
	Issuer   string `json:"issuer"` // RFC 4514
	Source   string `json:"source"`
	Revoked  bool   `json:"revoked,omitempty"` // set by a status check (OCSP/CRL), not by the expiry date
	Added    string `json:"added,omitempty"`   // RFC 3339, for files
	// DER is the certificate itself (public data), kept for the weekly OCSP check (status.go).
	DER []byte `json:"der,omitempty"`
	// Status is the last OCSP check's outcome (status.go); nil until the first check.
	Status *Status `json:"status,omitempty"`
}

// Key identifies a certificate: issuer and serial are unique together (RFC 5280 §4.1.2.2). The JS side
// computes the same key (expiry.mjs recordKey).
func Key(r Record) string { return r.Issuer + "|" + r.Serial }

// FromCards makes a record for every certificate of every card in readers.
func FromCards(readers []protocol.Reader) []Record {
	var out []Record
	for _, rd := range readers {
		c := rd.Card
		if c == nil {
			continue
		}
		holder := ""
		if c.Holder != nil {
			holder = strings.TrimSpace(c.Holder.Surname + " " + c.Holder.Name)
		}
		for _, cert := range c.Certificates {
			if cert.Serial == "" || cert.NotAfter == "" {
				continue
			}
			h := holder
			if h == "" {
				h = CommonName(cert.Subject)
			}
			out = append(out, Record{Card: c.ID, Holder: h, Role: cert.Role, Name: CommonName(cert.Subject),
				NotAfter: cert.NotAfter, Serial: strings.ToLower(cert.Serial), Issuer: cert.Issuer, Source: SourceCard, DER: cert.DER})
		}
	}
	return out
}

// FromX509 makes the record of a certificate file.
func FromX509(c *x509.Certificate, file string, now time.Time) Record {
	role := "other"
	if c.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		role = "signature"
	}
	cn := c.Subject.CommonName
	if cn == "" {
		cn = c.Subject.String()
	}
	return Record{Card: file, Holder: cn, Role: role, Name: cn, NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
		Serial: hex.EncodeToString(c.SerialNumber.Bytes()), Issuer: c.Issuer.String(), Source: SourceFile,
		Added: now.UTC().Format(time.RFC3339), DER: c.Raw}
}

// Merge returns the cache after a card read: the records of the cards just read replace what was cached
// for those cards (a renewed certificate drops the old one); other cards, seen before and not inserted now,
// and files stay.
func Merge(cache map[string]Record, read []Record) map[string]Record {
	cards := map[string]bool{}
	for _, r := range read {
		cards[r.Card] = true
	}
	out := make(map[string]Record, len(cache)+len(read))
	for k, r := range cache {
		if r.Source == SourceCard && cards[r.Card] {
			continue
		}
		out[k] = r
	}
	for _, r := range read {
		out[Key(r)] = keepStatus(cache, r)
	}
	return out
}

// Add puts file records into the cache (replacing the same certificate added before).
func Add(cache map[string]Record, recs ...Record) map[string]Record {
	out := make(map[string]Record, len(cache)+len(recs))
	for k, r := range cache {
		out[k] = r
	}
	for _, r := range recs {
		out[Key(r)] = keepStatus(cache, r)
	}
	return out
}

// keepStatus carries the status check of the same certificate (same key, same bytes) over a fresh read.
func keepStatus(cache map[string]Record, r Record) Record {
	old, ok := cache[Key(r)]
	if ok && r.Status == nil && old.Status != nil && (len(old.DER) == 0 || len(r.DER) == 0 || bytes.Equal(old.DER, r.DER)) {
		r.Status, r.Revoked = old.Status, old.Revoked
	}
	return r
}

// CommonName picks CN=... out of an RFC 4514 name, for display (the whole name when there is none).
func CommonName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "CN="); ok {
			return v
		}
	}
	return dn
}
