// Package hostcard is the UI side's handle on a card behind ponte-host: every card operation of the
// protocol as a Go method, and a crypto.Signer whose private key stays on the card. The renewal engine, the
// signing code and the `ponte` command line use it, in the WASM module and natively alike.
package hostcard

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Caller is the connection to the host (*protocol.Client).
type Caller interface {
	Call(ctx context.Context, command string, params, result any) error
}

// Card is one card, named by its ID.
type Card struct {
	host Caller
	ID   string
	// TokenSerial, when set, travels in every command that signs or changes the card, and the host
	// refuses the command when the reader holds another token (protocol.WriteCertificate TokenSerial).
	TokenSerial string
}

// New returns the handle for card id.
func New(host Caller, id string) *Card { return &Card{host: host, ID: id} }

// OnToken is the same card, held to the token with serial: a renewal acts only on the card it began with.
func (c *Card) OnToken(serial string) *Card {
	held := *c
	held.TokenSerial = serial
	return &held
}

// ErrNoSuchCard is returned when the card is not (or no longer) in any reader.
var ErrNoSuchCard = errors.New("card not present")

// List returns every reader and card.
func List(ctx context.Context, host Caller) ([]protocol.Reader, error) {
	var r protocol.CardsResult
	if err := host.Call(ctx, protocol.CmdCards, nil, &r); err != nil {
		return nil, err
	}
	return r.Readers, nil
}

// Info returns the card's current state (certificates, PIN flags, free space).
func (c *Card) Info(ctx context.Context) (*protocol.Card, error) {
	readers, err := List(ctx, c.host)
	if err != nil {
		return nil, err
	}
	for _, r := range readers {
		if r.Card != nil && r.Card.ID == c.ID {
			return r.Card, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoSuchCard, c.ID)
}

// Login opens the PIN session; pin is wiped once sent. One call is one try: the host never retries.
func (c *Card) Login(ctx context.Context, pin protocol.Secret) (protocol.PINStatus, error) {
	defer pin.Wipe()
	var r protocol.PINResult
	err := c.host.Call(ctx, protocol.CmdLogin, protocol.Login{Card: c.ID, PIN: pin}, &r)
	return r.PIN, err
}

// Logout ends the PIN session.
func (c *Card) Logout(ctx context.Context) error {
	return c.host.Call(ctx, protocol.CmdLogout, protocol.CardRef{Card: c.ID}, nil)
}

// GenerateKey makes an RSA key pair on the card and returns its CKA_ID and public key; alwaysAuth makes
// the private key ask the PIN for each signature (CKA_ALWAYS_AUTHENTICATE).
func (c *Card) GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error) {
	var r protocol.GenerateKeyResult
	if err := c.host.Call(ctx, protocol.CmdGenerateKey, protocol.GenerateKey{Card: c.ID, Bits: bits, Label: label, AlwaysAuthenticate: alwaysAuth, TokenSerial: c.TokenSerial}, &r); err != nil {
		return "", nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(r.PublicKey)
	if err != nil {
		return "", nil, fmt.Errorf("the card returned an unreadable public key: %w", err)
	}
	return r.Key, pub, nil
}

// WriteCertificate stores der on the card next to the key with CKA_ID key.
func (c *Card) WriteCertificate(ctx context.Context, key, label string, der []byte) error {
	return c.host.Call(ctx, protocol.CmdWriteCertificate, protocol.WriteCertificate{Card: c.ID, Key: key, Label: label, DER: der, TokenSerial: c.TokenSerial}, nil)
}

// DeleteObjects removes the chosen objects with CKA_ID key.
func (c *Card) DeleteObjects(ctx context.Context, d protocol.DeleteObjects) error {
	d.Card, d.TokenSerial = c.ID, c.TokenSerial
	return c.host.Call(ctx, protocol.CmdDeleteObjects, d, nil)
}

// ChangePIN and UnblockPIN wipe the secrets once sent.
func (c *Card) ChangePIN(ctx context.Context, old, new protocol.Secret) (protocol.PINStatus, error) {
	defer old.Wipe()
	defer new.Wipe()
	var r protocol.PINResult
	err := c.host.Call(ctx, protocol.CmdChangePIN, protocol.ChangePIN{Card: c.ID, Old: old, New: new}, &r)
	return r.PIN, err
}

func (c *Card) UnblockPIN(ctx context.Context, puk, new protocol.Secret) (protocol.PINStatus, error) {
	defer puk.Wipe()
	defer new.Wipe()
	var r protocol.PINResult
	err := c.host.Call(ctx, protocol.CmdUnblockPIN, protocol.UnblockPIN{Card: c.ID, PUK: puk, New: new}, &r)
	return r.PIN, err
}

// PINFunc asks the user for the PIN again, for keys that need context-specific login
// (CKA_ALWAYS_AUTHENTICATE): one call, one try.
type PINFunc func() (protocol.Secret, error)

// Signer is a crypto.Signer over a key on the card. crypto.Signer has no context, so the one given to
// Signer bounds every signature.
type Signer struct {
	card *Card
	ctx  context.Context
	key  string
	pub  crypto.PublicKey
	pin  PINFunc
}

// Signer returns a signer for the key with CKA_ID key whose public key is pub; pin may be nil when the key
// signs within the login session.
func (c *Card) Signer(ctx context.Context, key string, pub crypto.PublicKey, pin PINFunc) crypto.Signer {
	return &Signer{card: c, ctx: ctx, key: key, pub: pub, pin: pin}
}

func (s *Signer) Public() crypto.PublicKey { return s.pub }

// Sign signs a digest: PKCS#1 v1.5 or PSS for RSA keys (by opts), ECDSA (ASN.1) for EC keys.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	hash, err := hashName(opts.HashFunc())
	if err != nil {
		return nil, err
	}
	if len(digest) != opts.HashFunc().Size() {
		return nil, fmt.Errorf("hostcard: digest of %d bytes for %s", len(digest), hash)
	}
	req := protocol.Sign{Card: s.card.ID, Key: s.key, Hash: hash, Digest: digest, TokenSerial: s.card.TokenSerial}
	switch s.pub.(type) {
	case *rsa.PublicKey:
		req.Mechanism = "rsa-pkcs1"
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			if pss.SaltLength != rsa.PSSSaltLengthEqualsHash && pss.SaltLength != opts.HashFunc().Size() {
				return nil, errors.New("hostcard: the card signs PSS only with salt length = hash length")
			}
			req.Mechanism = "rsa-pss"
		}
	case *ecdsa.PublicKey:
		req.Mechanism = "ecdsa"
	default:
		return nil, fmt.Errorf("hostcard: unsupported key type %T", s.pub)
	}
	if s.pin != nil {
		pin, err := s.pin()
		if err != nil {
			return nil, err
		}
		req.PIN = pin
		defer pin.Wipe()
	}
	var r protocol.SignResult
	if err := s.card.host.Call(s.ctx, protocol.CmdSign, req, &r); err != nil {
		return nil, err
	}
	return r.Signature, nil
}

func hashName(h crypto.Hash) (string, error) {
	switch h {
	case crypto.SHA256:
		return "sha256", nil
	case crypto.SHA384:
		return "sha384", nil
	case crypto.SHA512:
		return "sha512", nil
	}
	return "", fmt.Errorf("hostcard: hash %v not supported (SHA-256, SHA-384, SHA-512)", h)
}

// KeyID renders a CKA_ID for the protocol.
func KeyID(id []byte) string { return hex.EncodeToString(id) }

// LoginSO logs the security officer in with the PUK (puk empty on a PIN-pad reader); the PUK is wiped
// once sent. The user must be logged out first (Logout): PKCS#11 allows one of them at a time. One call is
// one try: never retried.
func (c *Card) LoginSO(ctx context.Context, puk protocol.Secret) (protocol.PINStatus, error) {
	defer puk.Wipe()
	var r protocol.PINResult
	err := c.host.Call(ctx, protocol.CmdLogin, protocol.Login{Card: c.ID, SO: true, PUK: puk}, &r)
	return r.PIN, err
}
