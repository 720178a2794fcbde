package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goJS runs the go command for js/wasm in this folder.
func goJS(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(cmd.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// cardsForbidden are the packages cards.wasm, the card list's module (docs/ui-modules.md), must not link:
// the signing, verifying and trusted-list code, and html/template and text/template, whose reflection
// (reflect.Value.MethodByName) keeps every exported method of every type the module can reach.
var cardsForbidden = []string{
	"github.com/ponte-it/ponte/internal/pdf", "github.com/ponte-it/ponte/internal/pades",
	"github.com/ponte-it/ponte/internal/cms", "github.com/ponte-it/ponte/internal/tsp",
	"github.com/ponte-it/ponte/internal/tsl", "github.com/ponte-it/ponte/internal/sigverify",
	"github.com/ponte-it/ponte/internal/signjob", "github.com/ponte-it/ponte/internal/revocation",
	"github.com/ponte-it/ponte/internal/netperm/permhttp",
	"html/template", "text/template",
}

// What `go list -deps` reports for the cards build is what the linker may draw from.
func TestCardsModuleLeavesOutSigning(t *testing.T) {
	deps := strings.Fields(string(goJS(t, "list", "-tags", "cards", "-deps", ".")))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/ponte-it/ponte/internal/ui") {
		t.Fatalf("go list -deps of the cards build looks wrong: %v", deps)
	}
	for _, banned := range cardsForbidden {
		if slices.Contains(deps, banned) {
			t.Errorf("cards.wasm links %s", banned)
		}
	}
	// The full module does link them: the check above would notice a rename.
	full := strings.Fields(string(goJS(t, "list", "-deps", ".")))
	for _, p := range cardsForbidden {
		if !slices.Contains(full, p) {
			t.Errorf("ponte.wasm does not link %s: rename it in cardsForbidden", p)
		}
	}
}

// cardsBudget is cards.wasm's size, gzip -9, that a change may not pass without saying so here and in
// docs/ui-modules.md (2.06 MB when set; the goal is 1.5 MB).
const cardsBudget = 2_150_000

// cards.wasm as `make build` makes it stays within its budget: a package that brings back net/http's
// client, a template engine or the CMP engine shows here first.
func TestCardsModuleSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module")
	}
	out := filepath.Join(t.TempDir(), "cards.wasm")
	goJS(t, "build", "-trimpath", "-tags", "cards", "-ldflags", "-s -w", "-o", out, ".")
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write(raw)
	w.Close()
	t.Logf("cards.wasm: %d bytes, %d gzip", len(raw), z.Len())
	if z.Len() > cardsBudget {
		t.Errorf("cards.wasm is %d bytes gzip, over its budget of %d (docs/ui-modules.md)", z.Len(), cardsBudget)
	}
}
