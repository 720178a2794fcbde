package ui

import (
	htmlpkg "html"
	"strings"
	"testing"
)

// What draw.go writes of any text reads back, in text and in a quoted attribute value, as that text
// (NUL as U+FFFD, as html/template writes it), with none of the characters that end either.
func FuzzDrawText(f *testing.F) {
	for _, s := range []string{"ROSSI MARIO", `a"b'c<d>e&f`, "&amp;", "\x00", "città — €", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := newDrawing(State{}, &Catalog{})
		d.attr("data-x", s)
		d.text(s)
		out := d.b.String()
		attr, text, ok := strings.Cut(strings.TrimPrefix(out, ` data-x="`), `"`)
		if !ok || !strings.HasPrefix(out, ` data-x="`) {
			t.Fatalf("attribute not closed once: %q", out)
		}
		want := strings.ReplaceAll(s, "\x00", "\uFFFD")
		for _, got := range []string{attr, text} {
			if strings.ContainsAny(got, `<>"'`) {
				t.Fatalf("%q written as %q", s, got)
			}
			if htmlpkg.UnescapeString(got) != want {
				t.Fatalf("%q written as %q, which reads %q", s, got, htmlpkg.UnescapeString(got))
			}
		}
	})
}
