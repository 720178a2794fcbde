package pades

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
)

// checkRendered has mutool render page 1 at 72 dpi (one pixel per point) and checks the visible
// signature: inside the rectangle the appearance's background colour and some dark text pixels,
// just outside it the page's white.
func checkRendered(t *testing.T, mutool, file string, signed []byte, a Appearance) {
	t.Helper()
	doc, err := pdf.Open(docio.Bytes(signed))
	if err != nil {
		t.Fatal(err)
	}
	page, err := doc.Page(a.Page)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "page.png")
	run(t, mutool, "draw", "-q", "-r", "72", "-o", out, file, "1")
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	mb := page.MediaBox
	// toImage maps user space to image pixels; mutool shows the page turned by /Rotate (clockwise).
	toImage := func(x, y float64) (int, int) {
		switch page.Rotate {
		case 0:
			return int(x - mb[0]), int(mb[3] - y)
		case 90:
			return int(y - mb[1]), int(x - mb[0])
		}
		t.Fatalf("rotation %d not handled by the test", page.Rotate)
		return 0, 0
	}
	px := func(x, y float64) (r, g, b uint32) {
		r, g, b, _ = img.At(toImage(x, y)).RGBA()
		return r >> 8, g >> 8, b >> 8
	}
	// Background 0.95 0.96 1 rg = (242, 245, 255), sampled just inside the frame.
	if r, g, b := px(a.Left+3, a.Bottom+3); r < 235 || r > 248 || g < 239 || g > 250 || b < 250 {
		t.Fatalf("appearance background at the corner is (%d,%d,%d)", r, g, b)
	}
	if r, g, b := px(a.Left-4, a.Bottom-4); r < 250 || g < 250 || b < 250 {
		t.Fatalf("outside the appearance (%d,%d,%d), want white", r, g, b)
	}
	dark := 0
	x0, y0 := toImage(a.Left, a.Bottom)
	x1, y1 := toImage(a.Left+a.Width, a.Bottom+a.Height)
	bounds := image.Rect(x0, y0, x1, y1).Canon()
	for y := bounds.Min.Y + 3; y < bounds.Max.Y-3; y++ {
		for x := bounds.Min.X + 3; x < bounds.Max.X-3; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r>>8 < 100 {
				dark++
			}
		}
	}
	if dark < 50 {
		t.Fatalf("only %d dark pixels: no text drawn in the signature box", dark)
	}
}
