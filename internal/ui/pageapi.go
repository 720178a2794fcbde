package ui

import (
	"encoding/hex"
	"strings"
)

// Options is the options page (options.html): the allow-list of web origins that may use the page API
// (docs/page-api.md).
type Options struct {
	Loaded  bool
	Origins []string
	// CertOrigins get the certificate without asking (the consent window's "ricorda per questo sito").
	CertOrigins []string
	Input       string // what the user typed, kept when it was refused
	// Notice and Error are catalogue keys with one argument ($1).
	Notice, NoticeArg string
	Error, ErrorArg   string
}

// Consent is the consent window (consent.html) for one page's request.
type Consent struct {
	// Kind is the request: "sign" (a digest, the signature key), "authenticate" (a login: the
	// authentication key signs an origin-bound structure), "certificate" (the holder's certificate).
	Kind string
	// Armed: the confirm button is on (armDelay after the window is visible and focused).
	Armed  bool
	Screen ConsentScreen // screens.go
	Origin string        // the requesting page's origin, shown large
	Alg    string        // "SHA-256", ...
	Hash   []byte
	// The certificate that will sign.
	CertName, CertRole, CertUntil, KeyType string
	KeyBits                                int
	Warnings                               []Bilingual
	PIN                                    PINView
	Code                                   string     // the page API code the page received
	CodeKey                                string     // its message key (pageapi.Code.MessageKey)
	Error                                  *Bilingual // the card's or host's own words, when there are

}

// HashGroups is the digest in hex, in groups of four bytes, for reading aloud or comparing.
func (c *Consent) HashGroups() []string {
	h := hex.EncodeToString(c.Hash)
	var out []string
	for len(h) > 8 {
		out = append(out, strings.ToUpper(h[:8]))
		h = h[8:]
	}
	if h != "" {
		out = append(out, strings.ToUpper(h))
	}
	return out
}
