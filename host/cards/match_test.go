package cards

import (
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/host/pcsc"
	"github.com/ponte-it/ponte/internal/protocol"
)

// The driver search loads every installed module, so the one token left after the evidence may be
// another card's or a module's own. Pairing it with the one card left by elimination is refused when they
// contradict each other: both show certificates and share none, or the slot names another reader. With
// no contradiction the elimination still holds, and a shared certificate always pairs.
func TestEliminationRefusesAContradictedToken(t *testing.T) {
	readers := []string{"Reader A", "Reader B (empty)"}
	card := func() []*pcsc.CardInfo {
		return []*pcsc.CardInfo{{Reader: "Reader A", CardID: "8038000000000001", PINTries: 3,
			Certs: []pcsc.Cert{{Path: "3F0011001101", Role: "authentication", DER: []byte("card A certificate")}}}}
	}
	tok := func(desc string, certs ...string) *seenToken {
		t := &seenToken{ref: p11.SlotRef{Module: "/usr/lib/other-vendor.so", ID: 1, Description: desc, Serial: "CHIP0042"}}
		for _, c := range certs {
			t.certs = append(t.certs, p11.Certificate{DER: []byte(c)})
		}
		return t
	}
	cases := []struct {
		name string
		tok  *seenToken
		pair bool
	}{
		{"another card's certificates", tok("Vendor token slot", "token B certificate"), false},
		{"slot named after another reader", tok("Reader B (empty) 00 00"), false},
		{"nothing against it", tok("Vendor token slot"), true},
		{"a certificate in common", tok("Vendor token slot", "other", "card A certificate"), true},
	}
	s := &Service{}
	// Card A is matched through module 1 by its certificate; module 2 sees the same card (same serial
	// and label) and nothing else. Reader B's card (no certificates read, no module sees it) must not get
	// card A's second view by elimination.
	two := []*pcsc.CardInfo{card()[0], {Reader: "Reader B (empty)", CardID: "8038000000000002", PINTries: 1}}
	first := tok("Vendor token slot", "card A certificate")
	second := tok("Other vendor slot")
	first.ref.Module, second.ref.Module = "/usr/lib/one.so", "/usr/lib/two.so"
	first.cand.Path, second.cand.Path = first.ref.Module, second.ref.Module
	first.info.Serial, first.info.Label, second.info.Serial, second.info.Label = "CHIP0042", "ROSSI MARIO", "CHIP0042", "ROSSI MARIO"
	got := s.match(two, []*seenToken{first, second}, readers)
	if got["Reader A"] != first || got["Reader B (empty)"] != nil {
		t.Errorf("second view of card A: paired %v", got)
	}
	for _, c := range cases {
		got, ok := s.match(card(), []*seenToken{c.tok}, readers)["Reader A"]
		if ok != c.pair || ok && got != c.tok {
			t.Errorf("%s: paired %v, want %v", c.name, ok, c.pair)
		}
	}
}

// A reader the PC/SC read has nothing for says nothing of the PIN: never "blocked" (0 tries) by default;
// the card's own 63C0 / 6983 (0) blocks, a positive count is shown as such.
func TestCardTriesDefaults(t *testing.T) {
	for _, c := range []struct {
		info   *pcsc.CardInfo
		locked bool
		tries  int
	}{
		{infoOf(nil, "Reader A"), false, 0},
		{&pcsc.CardInfo{PINTries: -1}, false, 0},
		{&pcsc.CardInfo{PINTries: 0}, true, 0},
		{&pcsc.CardInfo{PINTries: 2}, false, 2},
	} {
		var tok protocol.Token
		cardTries(&tok, c.info)
		if tok.PIN.Locked != c.locked || tok.PIN.Tries != c.tries {
			t.Errorf("card says %d: locked %v tries %d", c.info.PINTries, tok.PIN.Locked, tok.PIN.Tries)
		}
	}
}
