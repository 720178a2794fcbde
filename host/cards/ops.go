package cards

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Login opens the PIN session; the PIN is tried once and wiped. An empty PIN on a PIN-pad reader lets the
// reader collect it.
func (s *Service) Login(ctx context.Context, req protocol.Login) (protocol.PINResult, *protocol.Error) {
	defer req.PIN.Wipe()
	defer req.PUK.Wipe()
	if req.SO && len(req.PIN) > 0 || !req.SO && len(req.PUK) > 0 {
		return protocol.PINResult{}, protocol.Errorf(protocol.ErrBadRequest, "the PUK goes with so, the PIN without")
	}
	ref, pe := s.token(ctx, req.Card)
	if pe != nil {
		return protocol.PINResult{}, pe
	}
	if req.SO {
		var puk []byte
		if len(req.PUK) > 0 {
			puk = req.PUK
		}
		_, after, err := ref.token.LoginSO(puk)
		return protocol.PINResult{PIN: pinStatus(after)}, perr(err)
	}
	var pin []byte
	if len(req.PIN) > 0 {
		pin = req.PIN
	}
	_, after, err := ref.token.Login(pin)
	return protocol.PINResult{PIN: pinStatus(after)}, perr(err)
}

// Logout ends the PIN session.
func (s *Service) Logout(ctx context.Context, req protocol.CardRef) (protocol.Empty, *protocol.Error) {
	ref, pe := s.token(ctx, req.Card)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	return protocol.Empty{}, perr(ref.token.Logout())
}

func pinStatus(p p11.PINStatus) protocol.PINStatus {
	return protocol.PINStatus{CountLow: p.CountLow, FinalTry: p.FinalTry, Locked: p.Locked, PUKLocked: p.SOLocked,
		PUKCountLow: p.SOCountLow, PUKFinalTry: p.SOFinalTry}
}

func keyID(s string) ([]byte, *protocol.Error) {
	id, err := hex.DecodeString(s)
	if err != nil || len(id) == 0 || len(id) > 64 {
		return nil, protocol.Errorf(protocol.ErrBadRequest, "key must be a hex CKA_ID")
	}
	return id, nil
}

// tokenHolding is token(cardID), checked to hold the token the caller names (protocol.WriteCertificate
// TokenSerial) when it names one: checked in the same call as the command, on the session the command
// uses, so a card swapped since the caller's last look is refused instead of touched.
func (s *Service) tokenHolding(ctx context.Context, cardID, serial string) (*tokenRef, *protocol.Error) {
	ref, pe := s.token(ctx, cardID)
	if pe != nil || serial == "" {
		return ref, pe
	}
	if err := ref.token.Holds(serial); err != nil {
		return nil, perr(err)
	}
	return ref, nil
}

var hashes = map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}

// Sign signs a digest with the card's key. For a key with CKA_ALWAYS_AUTHENTICATE the request's PIN is
// used for the context-specific login (once; wiped after).
func (s *Service) Sign(ctx context.Context, req protocol.Sign) (protocol.SignResult, *protocol.Error) {
	defer req.PIN.Wipe()
	h, ok := hashes[req.Hash]
	if !ok {
		return protocol.SignResult{}, protocol.Errorf(protocol.ErrBadRequest, "hash %q: want sha256, sha384 or sha512", req.Hash)
	}
	if len(req.Digest) != h.Size() {
		return protocol.SignResult{}, protocol.Errorf(protocol.ErrBadRequest, "digest of %d bytes for %s", len(req.Digest), req.Hash)
	}
	var opts crypto.SignerOpts = h
	switch req.Mechanism {
	case "rsa-pkcs1", "ecdsa":
	case "rsa-pss":
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	default:
		return protocol.SignResult{}, protocol.Errorf(protocol.ErrBadRequest, "mechanism %q", req.Mechanism)
	}
	id, pe := keyID(req.Key)
	if pe != nil {
		return protocol.SignResult{}, pe
	}
	ref, pe := s.tokenHolding(ctx, req.Card, req.TokenSerial)
	if pe != nil {
		return protocol.SignResult{}, pe
	}
	signer, err := ref.token.Signer(id)
	if err != nil {
		return protocol.SignResult{}, perr(err)
	}
	if signer.AlwaysAuth {
		asked := false
		signer.PIN = func() ([]byte, error) {
			if asked {
				return nil, fmt.Errorf("PIN already used once") // never retried
			}
			asked = true
			if len(req.PIN) == 0 {
				return nil, nil // PIN-pad, or NOT_LOGGED_IN from the module
			}
			return append([]byte(nil), req.PIN...), nil
		}
	}
	sig, err := signer.Sign(nil, req.Digest, opts)
	if err != nil {
		return protocol.SignResult{}, perr(err)
	}
	return protocol.SignResult{Signature: sig}, nil
}

// GenerateKey makes an RSA key pair, or returns the pair already labelled so (an interrupted renewal).
func (s *Service) GenerateKey(ctx context.Context, req protocol.GenerateKey) (protocol.GenerateKeyResult, *protocol.Error) {
	if req.Bits != 2048 && req.Bits != 3072 && req.Bits != 4096 {
		return protocol.GenerateKeyResult{}, protocol.Errorf(protocol.ErrBadRequest, "bits must be 2048, 3072 or 4096")
	}
	if req.Label == "" || len(req.Label) > 64 {
		return protocol.GenerateKeyResult{}, protocol.Errorf(protocol.ErrBadRequest, "label must have 1 to 64 characters")
	}
	ref, pe := s.tokenHolding(ctx, req.Card, req.TokenSerial)
	if pe != nil {
		return protocol.GenerateKeyResult{}, pe
	}
	kp, found, err := ref.token.KeyPairByLabel(req.Label)
	if err != nil {
		return protocol.GenerateKeyResult{}, perr(err)
	}
	if !found {
		if kp, err = ref.token.GenerateRSA(p11.KeyOptions{Bits: req.Bits, Label: req.Label, AlwaysAuthenticate: req.AlwaysAuthenticate}); err != nil {
			return protocol.GenerateKeyResult{}, perr(err)
		}
	}
	spki, err := marshalPKIX(kp.Public)
	if err != nil {
		return protocol.GenerateKeyResult{}, protocol.Errorf(protocol.ErrInternal, "%v", err)
	}
	return protocol.GenerateKeyResult{Key: hex.EncodeToString(kp.ID), PublicKey: spki}, nil
}

// WriteCertificate stores a certificate next to its key; the token refuses one for another key.
func (s *Service) WriteCertificate(ctx context.Context, req protocol.WriteCertificate) (protocol.Empty, *protocol.Error) {
	id, pe := keyID(req.Key)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	ref, pe := s.tokenHolding(ctx, req.Card, req.TokenSerial)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	return protocol.Empty{}, perr(ref.token.WriteCertificate(req.DER, id, req.Label))
}

// DeleteObjects removes the selected objects of one CKA_ID; never the last usable key.
func (s *Service) DeleteObjects(ctx context.Context, req protocol.DeleteObjects) (protocol.Empty, *protocol.Error) {
	if req.Label != "" {
		return s.deleteByLabel(ctx, req)
	}
	id, pe := keyID(req.Key)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	ref, pe := s.tokenHolding(ctx, req.Card, req.TokenSerial)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	_, err := ref.token.DeleteSelected(id, p11.Selection{PrivateKey: req.PrivateKey, PublicKey: req.PublicKey, Certificate: req.Certificate})
	return protocol.Empty{}, perr(err)
}

// deleteByLabel removes the key pair a renewal generated under req.Label, found by its label (a keygen
// whose answer was lost leaves the journal without its CKA_ID). Only "ponte-" labels: a page can never
// name a card's own keys this way.
func (s *Service) deleteByLabel(ctx context.Context, req protocol.DeleteObjects) (protocol.Empty, *protocol.Error) {
	if req.Key != "" || !strings.HasPrefix(req.Label, "ponte-") || len(req.Label) > 64 || req.Certificate != nil {
		return protocol.Empty{}, protocol.Errorf(protocol.ErrBadRequest, "label must be a renewal's ponte- label, without key or certificate")
	}
	ref, pe := s.tokenHolding(ctx, req.Card, req.TokenSerial)
	if pe != nil {
		return protocol.Empty{}, pe
	}
	kp, found, err := ref.token.KeyPairByLabel(req.Label)
	if err != nil {
		return protocol.Empty{}, perr(err)
	}
	if !found {
		return protocol.Empty{}, protocol.Errorf(protocol.ErrNoSuchObject, "no key pair labelled %s", req.Label)
	}
	// A key with a certificate is past its keygen: it is the renewed key of a renewal that went on (in
	// another tab, from another record), the card's own now, never an orphan. Removing it would leave its
	// certificate without a key (I1).
	certs, err := ref.token.Certificates()
	if err != nil {
		return protocol.Empty{}, perr(err)
	}
	for _, c := range certs {
		if bytes.Equal(c.ID, kp.ID) {
			return protocol.Empty{}, protocol.Errorf(protocol.ErrBadRequest, "the key labelled %s has a certificate: it is not an orphan", req.Label)
		}
	}
	_, err = ref.token.DeleteSelected(kp.ID, p11.Selection{PrivateKey: true, PublicKey: true})
	return protocol.Empty{}, perr(err)
}

// ChangePIN and UnblockPIN: each secret tried once and wiped.
func (s *Service) ChangePIN(ctx context.Context, req protocol.ChangePIN) (protocol.PINResult, *protocol.Error) {
	defer req.Old.Wipe()
	defer req.New.Wipe()
	ref, pe := s.token(ctx, req.Card)
	if pe != nil {
		return protocol.PINResult{}, pe
	}
	after, err := ref.token.ChangePIN(req.Old, req.New)
	return protocol.PINResult{PIN: pinStatus(after)}, perr(err)
}

func (s *Service) UnblockPIN(ctx context.Context, req protocol.UnblockPIN) (protocol.PINResult, *protocol.Error) {
	defer req.PUK.Wipe()
	defer req.New.Wipe()
	ref, pe := s.token(ctx, req.Card)
	if pe != nil {
		return protocol.PINResult{}, pe
	}
	after, err := ref.token.UnblockPIN(req.PUK, req.New)
	return protocol.PINResult{PIN: pinStatus(after)}, perr(err)
}
