package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// cards.wasm, the card list's module (docs/ui-modules.md), links none of the signing, verifying or
// trusted-list packages: what `go list -deps` reports for the cards build, which is what the linker may
// draw from. (It still links internal/cmp through internal/renew: see the document.)
func TestCardsModuleLeavesOutSigning(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", "cards", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/ponte-it/ponte/internal/ui") {
		t.Fatalf("go list -deps of the cards build looks wrong: %v", deps)
	}
	for _, banned := range []string{"pdf", "pades", "cms", "tsp", "tsl", "sigverify", "signjob"} {
		if slices.Contains(deps, "github.com/ponte-it/ponte/internal/"+banned) {
			t.Errorf("cards.wasm links internal/%s", banned)
		}
	}
	// The full module does link them: the check above would notice a rename.
	cmd = exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if full := strings.Fields(string(out)); !slices.Contains(full, "github.com/ponte-it/ponte/internal/pades") || !slices.Contains(full, "github.com/ponte-it/ponte/internal/sigverify") {
		t.Fatalf("ponte.wasm does not link pades and sigverify: %v", full)
	}
}
