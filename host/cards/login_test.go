package cards_test

import (
	"context"
	"testing"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/internal/protocol"
)

// A login names whose secret it carries: the PUK goes with so, the PIN without. A request mixing them is
// refused before any card is looked for, and the secrets it carried are wiped.
func TestLoginRefusesMixedSecrets(t *testing.T) {
	svc := cards.New()
	for _, req := range []protocol.Login{
		{Card: "x", SO: true, PIN: protocol.Secret("12345678"), PUK: protocol.Secret("87654321")},
		{Card: "x", PUK: protocol.Secret("87654321")},
	} {
		_, perr := svc.Login(context.Background(), req)
		if perr == nil || perr.Code != protocol.ErrBadRequest {
			t.Fatalf("login %+v: %v, want BAD_REQUEST", req, perr)
		}
		for _, s := range []protocol.Secret{req.PIN, req.PUK} {
			for _, b := range s {
				if b != 0 {
					t.Fatalf("a secret was not wiped after the refusal")
				}
			}
		}
	}
}
