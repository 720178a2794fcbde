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
// window: the PIN session opened with pin (one try, never retried), the context-specific PIN asked on
// the page's second screen when the key wants it (*pinCh is the channel the page's action feeds), the
// session closed after. A failed login also returns its PIN status, for the page's warnings.
// digest is asked for only after the login: a document's hash may still be under way until then.
func (a *app) cardSign(ctx context.Context, card *protocol.Card, cert *signjob.Cert, pin protocol.Secret,
	digest func() ([]byte, crypto.SignerOpts, error), pinCh *chan protocol.Secret, screen func(s *ui.State, name string)) ([]byte, *protocol.PINStatus, error) {
	hc := hostcard.New(a.client, card.ID)
	status, err := hc.Login(ctx, pin)
	if err != nil {
		return nil, &status, err
	}
	defer hc.Logout(context.Background())
	var ask hostcard.PINFunc
	if signjob.AlwaysAuthenticate(ctx, hc, cert) {
		// The context-specific PIN is asked before the digest is awaited, so it too is typed while the
		// document is hashed; it is wiped after the signature, or when the digest fails.
		*pinCh = make(chan protocol.Secret)
		pin2, err := a.contextPIN(ctx, *pinCh, screen)()
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

// contextPIN is the PINFunc for a key that wants the PIN for each signature (PKCS#11
// CKA_ALWAYS_AUTHENTICATE, context-specific login): it shows the page's second PIN screen
// (screen(s, "ctxpin")), waits for the PIN typed there, then shows screen(s, "signing").
func (a *app) contextPIN(ctx context.Context, ch <-chan protocol.Secret, screen func(s *ui.State, name string)) hostcard.PINFunc {
	return func() (protocol.Secret, error) {
		a.update(func(s *ui.State) { screen(s, "ctxpin") })
		select {
		case p := <-ch:
			a.update(func(s *ui.State) { screen(s, "signing") })
			return p, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// offerPIN hands the PIN typed in field to the signature waiting on ch; with none waiting it is wiped.
func offerPIN(ch chan protocol.Secret, field string) {
	pin := takeValue(field)
	select {
	case ch <- pin:
	default:
		pin.Wipe()
	}
}

// certWarnings are what the user must read about the signing certificate before typing the PIN.
func certWarnings(cert *signjob.Cert) []ui.Bilingual {
	var out []ui.Bilingual
	for _, w := range cert.Choice.Warnings {
		out = append(out, ui.Bilingual{IT: w.IT, EN: w.EN})
	}
	return out
}
