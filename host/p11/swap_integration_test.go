package p11_test

import (
	"encoding/hex"
	"errors"
	"os/exec"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestSwappedCardIsNotTouched: the host's handle was named by a scan that saw card 0; card 1 then takes
// its place in the reader. Every writing command and the signature through that handle must fail as a
// removed card (retriable) and leave both cards' objects exactly as they were, as pkcs11-tool lists them.
func TestSwappedCardIsNotTouched(t *testing.T) {
	tool := testenv.Tool(t, "pkcs11-tool")
	e := newSoftEnv(t, testHolders[0], testHolders[1])
	held, other := e.token(0), e.token(1)
	if _, err := held.Info(); err != nil { // the scan that names card 0
		t.Fatal(err)
	}
	login(t, held, testPIN)
	login(t, other, testPIN) // the module keeps card 1 logged in: nothing but the check stops a command
	before := []string{listObjects(t, tool, e, 0), listObjects(t, tool, e, 1)}

	held.SwapCard(e.cards[1].SlotID)
	id, err := hex.DecodeString(e.cards[1].AuthID) // cards of one family share CKA_IDs
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]func() error{
		"keygen": func() error {
			_, err := held.GenerateRSA(p11.KeyOptions{Bits: 2048, Label: "ponte-swap"})
			return err
		},
		"write": func() error { return held.WriteCertificate(e.cards[0].AuthCert, id, "CNS0") },
		"delete": func() error {
			_, err := held.DeleteSelected(id, p11.Selection{PrivateKey: true, PublicKey: true, Certificate: e.cards[1].AuthCert})
			return err
		},
		"sign": func() error {
			_, err := held.Signer(id)
			return err
		},
	}
	for name, cmd := range cmds {
		if err := cmd(); !errors.Is(err, p11.ErrCardRemoved) {
			t.Errorf("%s on the swapped card: %v, want a removed card", name, err)
		}
	}
	for i, want := range before {
		if got := listObjects(t, tool, e, i); got != want {
			t.Errorf("card %d changed:\nbefore\n%s\nafter\n%s", i, want, got)
		}
	}
}

// TestSwapBetweenCommandsNeedsTheCallersSerial: card 1 takes card 0's place and a scan runs before the
// next command (another tab listing the cards), which renames the handle to card 1 — for a card named
// "atr:ATR@reader", the same ID. The session-open check now passes for card 1; only the serial the caller
// began with (Holds) refuses it, as a removed card, and both cards stay as they were.
func TestSwapBetweenCommandsNeedsTheCallersSerial(t *testing.T) {
	tool := testenv.Tool(t, "pkcs11-tool")
	e := newSoftEnv(t, testHolders[0], testHolders[1])
	held, other := e.token(0), e.token(1)
	began, err := held.Info() // the renewal began on card 0
	if err != nil {
		t.Fatal(err)
	}
	login(t, held, testPIN)
	login(t, other, testPIN)
	before := []string{listObjects(t, tool, e, 0), listObjects(t, tool, e, 1)}

	held.SwapCard(e.cards[1].SlotID)
	now, err := held.Info() // the scan between two commands
	if err != nil || now.Serial == began.Serial {
		t.Fatalf("the rescan: %+v %v", now, err)
	}
	if err := held.Holds(began.Serial); !errors.Is(err, p11.ErrCardRemoved) {
		t.Fatalf("card 1 in the reader, the caller's card 0: %v, want a removed card", err)
	}
	if err := held.Holds(now.Serial); err != nil {
		t.Fatalf("the serial of the card in the reader: %v", err)
	}
	for i, want := range before {
		if got := listObjects(t, tool, e, i); got != want {
			t.Errorf("card %d changed:\nbefore\n%s\nafter\n%s", i, want, got)
		}
	}
}

func listObjects(t *testing.T, tool string, e *softEnv, card int) string {
	t.Helper()
	out, err := exec.Command(tool, "--module", e.lib, "--token-label", e.cards[card].Label,
		"--list-objects", "--login", "--pin", string(testPIN)).CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	return string(out)
}
