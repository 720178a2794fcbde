package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The overlay shows the finished folder to host/webui's go:embed, sub-folders and _-prefixed names
// included, and nothing is written into host/webui/dist: a program built with it embeds exactly the
// folder's files (plus dist's .gitkeep), byte for byte.
func TestOverlayEmbedsUI(t *testing.T) {
	root := testenv.Root()
	ui := t.TempDir()
	want := map[string]string{
		"app.html":                  "<!doctype html><title>Ponte</title>\n",
		"_locales/it/messages.json": `{"name":{"message":"Ponte"}}`,
		"hash/sha.wasm":             "\x00asm\x01\x00\x00\x00",
	}
	for name, data := range want {
		p := filepath.Join(ui, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	overlay := filepath.Join(t.TempDir(), "overlay.json")
	if err := writeOverlay(ui, filepath.Join(root, webuiDist), overlay); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	out := testenv.Go(t, nil, "run", "-overlay", overlay, "./scripts/stamp/testdata/listui")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("listui: %v\n%s", err, out)
	}
	want[".gitkeep"] = ""
	if !maps.Equal(got, want) {
		t.Errorf("embedded %q, want %q", got, want)
	}
	if entries, err := os.ReadDir(filepath.Join(root, webuiDist)); err != nil || len(entries) != 1 || entries[0].Name() != ".gitkeep" {
		t.Errorf("host/webui/dist on disk: %v %v, want only .gitkeep", entries, err)
	}
}
