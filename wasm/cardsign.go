//go:build js && wasm && !cards

package main

import (
	"context"
	"crypto"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/ui"
)

// cardSign makes one signature over digest with cert's key on card, for the Firma page and the consent
// window: the PIN session opened with pin (one try, never retried), the context-specific PIN asked
// through ctxPIN (the controller's second PIN screen) when the key wants it, the session closed after.
// A failed login also returns its PIN status, for the page's warnings. digest is asked for only after
// the login: a document's hash may still be under way until then.
func (a *app) cardSign(ctx context.Context, card *protocol.Card, cert *signjob.Cert, pin protocol.Secret,
	digest func() ([]byte, crypto.SignerOpts, error), ctxPIN hostcard.PINFunc) ([]byte, *protocol.PINStatus, error) {
	hc := hostcard.New(a.host(), card.ID)
	status, err := hc.Login(ctx, pin)
	if err != nil {
		return nil, &status, err
	}
	defer hc.Logout(context.Background())
	var ask hostcard.PINFunc
	if signjob.AlwaysAuthenticate(ctx, hc, cert) {
		// The context-specific PIN is asked before the digest is awaited, so it too is typed while the
		// document is hashed; it is wiped after the signature, or when the digest fails.
		pin2, err := ctxPIN()
		if err != nil {
			return nil, nil, err
		}
		ask = func() (protocol.Secret, error) { return pin2, nil }
		defer pin2.Wipe()
	}
	d, opts, err := digest()
	if err != nil {
		return nil, nil, err
	}
	sig, err := hc.Signer(ctx, cert.Info.ID, cert.Choice.Certificate.PublicKey, ask).Sign(nil, d, opts)
	return sig, nil, err
}

// certWarnings are what the user must read about the signing certificate before typing the PIN.
func certWarnings(cert *signjob.Cert) []ui.Bilingual {
	var out []ui.Bilingual
	for _, w := range cert.Choice.Warnings {
		out = append(out, ui.Bilingual{IT: w.IT, EN: w.EN})
	}
	return out
}
