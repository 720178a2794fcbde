package pades

import (
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/pdf"
)

// helvetica is a standard Type 1 font (ISO 32000-1 §9.6.2.2): every reader has it, nothing is embedded.
func helvetica() pdf.Dict {
	return pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"),
		"Encoding": pdf.Name("WinAnsiEncoding")}
}

// appearance is the normal appearance form XObject (§12.5.5, §8.10) of a visible signature: a framed
// box with "Firmato digitalmente da / Digitally signed by", the holder's name and the date. On a page
// with /Rotate the text is laid out in the displayed orientation and /Matrix turns it back (§12.5.5:
// the BBox transformed by Matrix is fitted to the annotation's Rect), so it reads upright on screen.
func appearance(opts Options, w, h float64, rotate int64, font pdf.Ref) (pdf.Dict, []byte) {
	var matrix pdf.Array
	switch rotate {
	case 90:
		w, h = h, w
		matrix = pdf.Array{int64(0), int64(1), int64(-1), int64(0), int64(0), int64(0)}
	case 180:
		matrix = pdf.Array{int64(-1), int64(0), int64(0), int64(-1), int64(0), int64(0)}
	case 270:
		w, h = h, w
		matrix = pdf.Array{int64(0), int64(-1), int64(1), int64(0), int64(0), int64(0)}
	}
	lines := []string{
		"Firmato digitalmente da / Digitally signed by",
		opts.Name,
		"Data / Date: " + itime.Holder(opts.Time).Format("2006-01-02 15:04:05 -07:00"),
	}
	longest := 0
	for _, l := range lines {
		longest = max(longest, len([]rune(l)))
	}
	// Helvetica averages about 0.6 em per character for these texts; fit width and three lines.
	size := min(10, (w-8)/(0.6*float64(longest)), (h-4)/(float64(len(lines))*1.25))
	size = max(size, 2)
	var b strings.Builder
	fmt.Fprintf(&b, "q 0.95 0.96 1 rg 0 0 %s %s re f 0.2 0.3 0.6 RG 0.8 w 0.4 0.4 %s %s re S Q\n",
		num(w), num(h), num(w-0.8), num(h-0.8))
	lead := size * 1.25
	y := h/2 + lead*float64(len(lines)-1)/2 - size*0.35
	fmt.Fprintf(&b, "BT /F1 %s Tf 0 g %s TL 4 %s Td\n", num(size), num(lead), num(y))
	for i, l := range lines {
		if i > 0 {
			b.WriteString("T* ")
		}
		b.Write(pdf.Serialize(pdf.String{Bytes: winAnsi(l)}))
		b.WriteString(" Tj\n")
	}
	b.WriteString("ET\n")
	dict := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{int64(0), int64(0), w, h},
		"Resources": pdf.Dict{"Font": pdf.Dict{"F1": font}},
	}
	if matrix != nil {
		dict["Matrix"] = matrix
	}
	return dict, []byte(b.String())
}

func num(f float64) string { return string(pdf.Serialize(f)) }

// winAnsi encodes text for WinAnsiEncoding (ISO 32000-1 §D.2): Latin-1 letters map to themselves,
// a few typographic characters to their 0x80–0x9F codes, anything else to '?'.
func winAnsi(s string) []byte {
	special := map[rune]byte{'€': 0x80, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97}
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xa0 && r <= 0xff):
			out = append(out, byte(r))
		case special[r] != 0:
			out = append(out, special[r])
		default:
			out = append(out, '?')
		}
	}
	return out
}
