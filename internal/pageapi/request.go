package pageapi

import (
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/examples/page-api/authverify"
)

// The request types the consent page answers (docs/page-api.md).
const (
	TypeSign         = "sign"         // a signature over the page's digest, with the signature key
	TypeAuthenticate = "authenticate" // a login: the authentication key signs H(origin) ‖ H(nonce)
	TypeCertificate  = "certificate"  // the holder lets the page read the certificate
)

// SignRequest is a page's request as the service worker hands it to the consent page: a signature over a
// digest ("sign"), a login ("authenticate") or the certificate ("certificate").
type SignRequest struct {
	Type   string `json:"type"`   // TypeSign, TypeAuthenticate, TypeCertificate
	Origin string `json:"origin"` // the requesting page's origin, checked against the allow-list
	Role   string `json:"role"`   // "signature" (qualified signature certificate) or "cns" (authentication)
	Card   string `json:"card,omitempty"`
	Alg    string `json:"alg,omitempty"`   // sign: "SHA-256", "SHA-384", "SHA-512" (WebCrypto's names)
	Hash   string `json:"hash,omitempty"`  // sign: base64 of the digest the page computed
	Nonce  string `json:"nonce,omitempty"` // authenticate: the site server's nonce, base64 of 32 to 128 bytes
}

// ErrAuthKeySigns refuses a digest for the authentication key: a page's 32 bytes could be a TLS
// handshake's, and the card would log the page in as the holder elsewhere (issue 15).
var ErrAuthKeySigns = errors.New("pageapi: the authentication (cns) key signs only the login structure of authenticate")

// Check validates the request as a whole, the same rules as the service worker's checkRequest.
func (r SignRequest) Check() error {
	switch r.Type {
	case TypeSign:
		_, _, err := r.Digest()
		return err
	case TypeAuthenticate:
		if r.Role != "cns" {
			return fmt.Errorf("pageapi: authenticate with role %q (cns)", r.Role)
		}
		if !SecureOrigin(r.Origin) {
			return fmt.Errorf("pageapi: origin %q", r.Origin)
		}
		return authverify.CheckNonce(r.Nonce)
	case TypeCertificate:
		if !Roles[r.Role] {
			return fmt.Errorf("pageapi: role %q (signature or cns)", r.Role)
		}
		return nil
	}
	return fmt.Errorf("pageapi: request type %q", r.Type)
}

// AuthDigest is what the authentication key signs for authenticate: H(H(origin) ‖ H(nonce)), H the hash
// of the key's algorithm (examples/page-api/authverify); alg is its JOSE name for the answer.
func (r SignRequest) AuthDigest(pub crypto.PublicKey) (digest []byte, h crypto.Hash, alg string, err error) {
	if err := r.Check(); err != nil || r.Type != TypeAuthenticate {
		return nil, 0, "", fmt.Errorf("pageapi: not an authenticate request: %v", err)
	}
	alg, h, err = authverify.Algorithm(pub)
	if err != nil {
		return nil, 0, "", err
	}
	return authverify.Digest(h, r.Origin, r.Nonce), h, alg, nil
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
	if r.Role == "cns" {
		return nil, 0, ErrAuthKeySigns
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
