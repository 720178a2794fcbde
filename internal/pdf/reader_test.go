package pdf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// builder writes hand-made PDFs with exact offsets.
type builder struct {
	b    strings.Builder
	offs map[int]int
}

func newBuilder() *builder {
	w := &builder{offs: map[int]int{}}
	w.b.WriteString("%PDF-1.5\n")
	return w
}

func (w *builder) obj(n int, body string) {
	w.offs[n] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\n", n, body)
}

// table writes a section; entries are "n" (in use at its offset) or "f" (free) by object number.
func (w *builder) table(entries map[int]string, trailer string) int {
	at := w.b.Len()
	w.b.WriteString("xref\n")
	for n := 0; n < 16; n++ {
		k, ok := entries[n]
		if !ok {
			continue
		}
		if k == "f" {
			fmt.Fprintf(&w.b, "%d 1\n0000000000 65535 f\r\n", n)
		} else {
			fmt.Fprintf(&w.b, "%d 1\n%010d 00000 n\r\n", n, w.offs[n])
		}
	}
	fmt.Fprintf(&w.b, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, at)
	return at
}

const (
	catalog = "<</Type/Catalog/Pages 2 0 R>>"
	pages   = "<</Type/Pages/Kids[3 0 R]/Count 1>>"
	page    = "<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]/Resources<</Font<</F 5 0 R>>>>>>"
	font    = "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"
)

// TestFreeEntries: an object freed by a newer section is gone (null) even though an older section
// defines it; in a Word-style hybrid file (object freed in the main table, defined by the update
// section's /XRefStm in an object stream) the object is found.
func TestFreeEntries(t *testing.T) {
	w := newBuilder()
	for n, b := range []string{catalog, pages, page, font} {
		w.obj(n+1, b)
	}
	first := w.table(map[int]string{0: "f", 1: "n", 2: "n", 3: "n", 4: "n"}, "<</Size 5/Root 1 0 R>>")
	w.table(map[int]string{4: "f"}, fmt.Sprintf("<</Size 5/Root 1 0 R/Prev %d>>", first))
	d, err := Open(docio.Bytes(w.b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if o, err := d.Object(Ref{4, 0}); err != nil || o != nil {
		t.Fatalf("freed object still there: %v %v", o, err)
	}

	w = newBuilder()
	for n, b := range []string{catalog, pages, page} {
		w.obj(n+1, b)
	}
	main := w.table(map[int]string{0: "f", 1: "n", 2: "n", 3: "n", 5: "f"}, "<</Size 8/Root 1 0 R>>")
	inner := "5 0 " + font
	w.obj(7, fmt.Sprintf("<</Type/ObjStm/N 1/First 4/Length %d>>\nstream\n%s\nendstream", len(inner), inner))
	row := fmt.Sprintf("\x02\x00\x00\x00\x07\x00\x00\x01%c%c%c%c\x00\x00", byte(w.offs[7]>>24), byte(w.offs[7]>>16), byte(w.offs[7]>>8), byte(w.offs[7]))
	w.obj(6, fmt.Sprintf("<</Type/XRef/Size 8/W[1 4 2]/Index[5 1 7 1]/Length %d>>\nstream\n%s\nendstream", len(row), row))
	w.table(map[int]string{6: "n", 7: "n"}, fmt.Sprintf("<</Size 8/Root 1 0 R/Prev %d/XRefStm %d>>", main, w.offs[6]))
	d, err = Open(docio.Bytes(w.b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Hybrid {
		t.Fatal("not seen as hybrid")
	}
	o, err := d.Dict(Ref{5, 0})
	if err != nil || o.Name("BaseFont") != "Helvetica" {
		t.Fatalf("hidden object not found through /XRefStm: %v %v", o, err)
	}
}
