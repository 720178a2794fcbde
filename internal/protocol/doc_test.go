package protocol

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// docs/protocol.md is the generated Markdown; PONTE_UPDATE_DOCS=1 rewrites it (`make docs`).
func TestProtocolDocIsCurrent(t *testing.T) {
	path := filepath.Join(testenv.Root(), "docs", "protocol.md")
	want := Markdown(extension.Catalog("it"), extension.Catalog("en"))
	if os.Getenv("PONTE_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/protocol.md is out of date: run make docs")
	}
}
