package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// An AC 2018 card (ATR from the card table, on a private pcscd): `ponte renew` reads the PIN and then the
// PUK, one line each from standard input. A wrong PUK stops it before anything happens, with the reason
// in Italian and English; the right one renews. Neither is ever echoed.
func TestRenewWithPUKFromTheCommandLine(t *testing.T) {
	bed, run := bedCLI(t, testbed.Options{Family: "AC"})
	card := bed.Card.Holder.CardID
	for i := 0; i < 50; i++ { // pcscd notices the virtual card at its next poll; until then no family
		if out, _, err := run("", "cards"); err == nil && strings.Contains(out, card) && strings.Contains(out, "AC 2018") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	profile := filepath.Join(bed.ProfilesDir, "cns-rekey.json")
	_, stderr, err := run("s\n"+testbed.PIN+"\n00000000\n", "renew", "--card", card, "--role", "cns", "--profile", profile)
	if err == nil || !strings.Contains(stderr, "PUK errato") || !strings.Contains(stderr, "Wrong PUK") {
		t.Fatalf("wrong PUK: %v\n%s", err, stderr)
	}
	if _, stderr, err := run("s\n"+testbed.PIN+"\n", "renew", "--card", card, "--role", "cns", "--profile", profile); err == nil || !strings.Contains(stderr, "PUK") {
		t.Fatalf("no PUK line: %v\n%s", err, stderr)
	}
	out, stderr, err := run("s\n"+testbed.PIN+"\n"+testbed.PUK+"\n", "renew", "--card", card, "--role", "cns", "--profile", profile)
	if err != nil || !strings.Contains(out, "Certificato rinnovato e attivo") {
		t.Fatalf("ponte renew: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	if strings.Contains(out+stderr, testbed.PUK) || strings.Contains(out+stderr, testbed.PIN) {
		t.Fatal("the PIN or PUK was echoed")
	}
}
