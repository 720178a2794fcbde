//go:build js && wasm

package main

import (
	"context"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

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
