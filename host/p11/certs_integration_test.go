package p11_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/p11"
)

func TestCertificatesWithRoles(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	tok := e.token(0)
	certs, err := tok.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 {
		t.Fatalf("want 2 certificates, got %d", len(certs))
	}
	byRole := map[p11.Role]p11.Certificate{}
	for _, c := range certs {
		byRole[c.Role] = c
	}
	auth, sign := byRole[p11.RoleAuthentication], byRole[p11.RoleSignature]
	if auth.IDHex != e.cards[0].AuthID || sign.IDHex != e.cards[0].SignID {
		t.Fatalf("roles do not match the provisioned keys: auth %q sign %q, card %+v", auth.IDHex, sign.IDHex, e.cards[0])
	}
	for _, c := range []p11.Certificate{auth, sign} {
		if c.KeyType != "RSA" || c.KeyBits != 2048 {
			t.Errorf("%s: key %s-%d", c.Label, c.KeyType, c.KeyBits)
		}
		if !time.Now().After(c.NotBefore) || !time.Now().Before(c.NotAfter) {
			t.Errorf("%s: not valid now: %v..%v", c.Label, c.NotBefore, c.NotAfter)
		}
		if hex.EncodeToString(c.ID) != c.IDHex {
			t.Errorf("%s: ID and IDHex differ", c.Label)
		}
	}
	if auth.Label != "CNS0" || sign.Label != "CNS1" {
		t.Errorf("labels %q %q", auth.Label, sign.Label)
	}
	// Before login SoftHSM hides the private keys (CKA_PRIVATE), as cards do.
	if auth.HasPrivateKey || sign.HasPrivateKey {
		t.Errorf("private keys visible before login")
	}
	login(t, tok, testPIN)
	certs, err = tok.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if !c.HasPrivateKey {
			t.Errorf("%s: private key not found after login", c.Label)
		}
		if want := c.Role == p11.RoleSignature; c.AlwaysAuthenticate != want {
			t.Errorf("%s: always authenticate %v, want %v", c.Label, c.AlwaysAuthenticate, want)
		}
	}
}

// TestMatchSoftHSMSlots runs the slot/reader rule on real SoftHSM slots: two tokens, two "readers" whose
// card ids are the token serials (as OpenSC reports EF_IDCarta), one reader whose card id is unknown.
func TestMatchSoftHSMSlots(t *testing.T) {
	e := newSoftEnv(t, testHolders[0], testHolders[1])
	slots, err := e.mod.Slots()
	if err != nil {
		t.Fatal(err)
	}
	refs := p11.SlotRefs(e.mod, slots)
	readers := []p11.ReaderRef{{Name: "Reader B", CardID: e.cards[1].Serial}, {Name: "Reader A", CardID: e.cards[0].Serial}}
	got := p11.MatchSlots(readers, refs)
	want := []p11.Match{
		{Reader: "Reader A", Module: e.lib, SlotID: e.cards[0].SlotID, By: "serial"},
		{Reader: "Reader B", Module: e.lib, SlotID: e.cards[1].SlotID, By: "serial"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
