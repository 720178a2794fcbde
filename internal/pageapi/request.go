package pageapi

import (
	"crypto"
	"encoding/base64"
	"fmt"
)

// SignRequest is a page's request for a signature over a digest, as the service worker hands it to the
// consent page (docs/page-api.md, "sign").
type SignRequest struct {
	Origin string `json:"origin"` // the requesting page's origin, checked against the allow-list
	Role   string `json:"role"`   // "signature" (qualified signature certificate) or "cns" (authentication)
	Card   string `json:"card,omitempty"`
	Alg    string `json:"alg"`  // "SHA-256", "SHA-384", "SHA-512" (WebCrypto's names)
	Hash   string `json:"hash"` // base64 of the digest the page computed
}

// Hashes are the digest algorithms a page may name, by WebCrypto name (W3C Web Cryptography API, §30).
var Hashes = map[string]crypto.Hash{"SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512}

// Roles are the certificate roles a page may ask for (protocol.Certificate.Role).
var Roles = map[string]bool{"signature": true, "cns": true}

// Digest checks the request and returns the digest and its hash function; the error says what is wrong
// (the page gets BAD_REQUEST).
func (r SignRequest) Digest() ([]byte, crypto.Hash, error) {
	h, ok := Hashes[r.Alg]
	if !ok {
		return nil, 0, fmt.Errorf("pageapi: algorithm %q (SHA-256, SHA-384 or SHA-512)", r.Alg)
	}
	if !Roles[r.Role] {
		return nil, 0, fmt.Errorf("pageapi: role %q (signature or cns)", r.Role)
	}
	d, err := base64.StdEncoding.DecodeString(r.Hash)
	if err != nil {
		return nil, 0, fmt.Errorf("pageapi: hash is not base64: %w", err)
	}
	if len(d) != h.Size() {
		return nil, 0, fmt.Errorf("pageapi: %s digest of %d bytes, want %d", r.Alg, len(d), h.Size())
	}
	return d, h, nil
}
