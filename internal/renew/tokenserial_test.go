package renew

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
)

// recorder is a host that records the params of every command.
type recorder struct{ sent []map[string]any }

func (h *recorder) Call(_ context.Context, command string, params, _ any) error {
	b, _ := json.Marshal(params)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["command"] = command
	h.sent = append(h.sent, m)
	return nil
}

// TestCardCommandsCarryTheRenewalsToken: on a card named "atr:ATR@reader" (no EF_IDCarta: its ID is the
// same for every card of its family in that reader), every command of the renewal carries the token
// serial the renewal began on; a card named by its own serial or EF_IDCarta is told apart by its ID.
func TestCardCommandsCarryTheRenewalsToken(t *testing.T) {
	for _, c := range []struct{ card, want string }{{"atr:3B FF@Reader 0", "TOKEN-0"}, {"8038000000000001", ""}} {
		h := &recorder{}
		e := &Engine{Card: hostcard.New(h, c.card)}
		e.onCard(&Renewal{Card: c.card, TokenSerial: "TOKEN-0"})
		ctx := context.Background()
		e.Card.GenerateKey(ctx, 2048, "ponte-x", false)
		e.Card.WriteCertificate(ctx, "01", "CNS0", []byte{1})
		e.Card.DeleteObjects(ctx, protocol.DeleteObjects{Key: "01", PrivateKey: true})
		e.Card.Signer(ctx, "01", &rsa.PublicKey{}, nil).Sign(nil, make([]byte, 32), crypto.SHA256)
		for _, m := range h.sent {
			if got, _ := m["tokenSerial"].(string); got != c.want {
				t.Errorf("%s: %s carried token serial %q, want %q", c.card, m["command"], got, c.want)
			}
		}
		if len(h.sent) != 4 {
			t.Fatalf("%s: %d commands sent", c.card, len(h.sent))
		}
	}
}
