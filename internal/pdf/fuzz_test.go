package pdf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// FuzzParseObject: the object parser never panics or loops on arbitrary bytes, and what it parses
// serializes and parses back to the same serialization.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		"<</Type/Catalog/Pages 2 0 R>>", "[1 2.5 -3 (a\\(b\\)c) <414243> /N#20ame true false null]",
		"(nested (paren) \\101 \\n)", "<</A<</B[<</C 1 0 R>>]>>>>", "12 0 R", "-.5", "<ABC",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &parser{buf: b, eof: true}
		o, err := p.object(0)
		if err != nil {
			return
		}
		s := Serialize(o)
		q := &parser{buf: s, eof: true}
		o2, err := q.object(0)
		if err != nil {
			t.Fatalf("reparse of %q: %v", s, err)
		}
		if string(Serialize(o2)) != string(s) {
			t.Fatalf("round trip %q -> %q", s, Serialize(o2))
		}
	})
}

// FuzzOpen: the cross-reference parser, the reconstruct-by-scanning fallback (tables, streams, object streams, /Prev chains) and the page
// and field walkers never panic or hang on arbitrary files.
func FuzzOpen(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "pades", "testdata", "corpus", "*.pdf"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 8000 {
			f.Add(b)
		}
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\nxref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer<</Size 2/Root 1 0 R>>\nstartxref\n49\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := OpenForReading(docio.Bytes(b))
		if err != nil {
			return
		}
		d.Page(1)
		d.Fields()
		d.PageRefs(1000)
		for n := 0; n < min(d.Size(), 50); n++ {
			d.Object(Ref{n, 0})
		}
	})
}
