package pades

import (
	"bytes"
	"fmt"
	"io"
)

// genPDF writes small PDFs in a chosen cross-reference style, so the tests cover styles that the
// corpus producers do not emit: "table", "stream" (xref stream, no object streams), "hybrid" (table
// with /XRefStm and an object in an object stream, ISO 32000-1 §7.5.8.4), "hybrid-word" (the object
// freed in the main table and defined through the update's /XRefStm, as Word and Excel write), "incremental" (a table
// revision then an update with /Prev), "docmdp" (certified with P=1), "encrypted", "sigfield" (an empty
// signature field), "textfield" (a text field "Nome").
func genPDF(style string) []byte {
	var b bytes.Buffer
	writeGenPDF(&b, style, 0)
	return b.Bytes()
}

// writeGenPDF writes the document with a content stream padded to about pad bytes (benchmarks).
func writeGenPDF(w io.Writer, style string, pad int64) error {
	cw := &countWriter{w: w}
	fmt.Fprintf(cw, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	offsets := map[int]int64{}
	obj := func(n int, body string) {
		offsets[n] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	catalog := "<</Type/Catalog/Pages 2 0 R>>"
	switch style {
	case "docmdp", "docmdp2":
		catalog = "<</Type/Catalog/Pages 2 0 R/Perms<</DocMDP 6 0 R>>>>"
	case "sigfield", "textfield":
		catalog = "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]>>>>"
	}
	obj(1, catalog)
	obj(2, "<</Type/Pages/Kids[3 0 R]/Count 1>>")
	rotate := ""
	if style == "rotated" {
		rotate = "/Rotate 90"
	}
	if style == "sigfield" || style == "textfield" {
		rotate = "/Annots[6 0 R]"
	}
	obj(3, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"+rotate+"/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>")
	text := "BT /F1 24 Tf 72 720 Td (Documento di prova " + style + ") Tj ET\n"
	offsets[4] = cw.n
	fmt.Fprintf(cw, "4 0 obj\n<</Length %d>>\nstream\n%s", int64(len(text))+pad, text)
	if pad > 0 {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for left := pad; left > 0; {
			n := min(left, int64(len(chunk)))
			if _, err := cw.Write(chunk[:n]); err != nil {
				return err
			}
			left -= n
		}
	}
	fmt.Fprintf(cw, "\nendstream\nendobj\n")
	font := "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"
	if style != "hybrid" && style != "hybrid-word" {
		obj(5, font)
	}
	size := 6
	switch style {
	case "docmdp", "docmdp2":
		p := map[string]string{"docmdp": "1", "docmdp2": "2"}[style]
		obj(6, "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P "+p+"/V/1.2>>>>]/ByteRange[0 0 0 0]/Contents<00>>>")
		size = 7
	case "encrypted":
		obj(6, "<</Filter/Standard/V 2/R 3/Length 128/O<00>/U<00>/P -4>>")
		size = 7
	case "sigfield":
		obj(6, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Firma del richiedente)/Rect[350 50 550 110]/P 3 0 R/F 4>>")
		size = 7
	case "textfield":
		obj(6, "<</Type/Annot/Subtype/Widget/FT/Tx/T(Nome)/Rect[72 600 372 630]/P 3 0 R/F 4/DA(/F1 12 Tf 0 g)>>")
		size = 7
	}
	trailerExtra := ""
	if style == "encrypted" {
		trailerExtra = "/Encrypt 6 0 R/ID[<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]"
	}
	switch style {
	case "stream":
		// Object 6 is the xref stream, W [1 4 2], uncompressed.
		offsets[6] = cw.n
		var data []byte
		row := func(t byte, f2 int64, f3 int) {
			data = append(data, t, byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
		}
		row(0, 0, 65535)
		for n := 1; n <= 6; n++ {
			row(1, offsets[n], 0)
		}
		fmt.Fprintf(cw, "6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n", len(data))
		cw.Write(data)
		fmt.Fprintf(cw, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", offsets[6])
		return nil
	case "hybrid-word":
		// Word/Excel layout (ISO 32000-1 §7.5.8.4): the main table frees object 5; an update section
		// lists the object stream and the xref stream, whose /XRefStm entry defines object 5.
		main := cw.n
		fmt.Fprintf(cw, "xref\n0 6\n0000000000 65535 f\r\n")
		for n := 1; n <= 4; n++ {
			fmt.Fprintf(cw, "%010d 00000 n\r\n", offsets[n])
		}
		fmt.Fprintf(cw, "0000000000 65535 f\r\ntrailer\n<</Size 8/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", main)
		inner := "5 0 " + font
		offsets[7] = cw.n
		fmt.Fprintf(cw, "7 0 obj\n<</Type/ObjStm/N 1/First 4/Length %d>>\nstream\n%s\nendstream\nendobj\n", len(inner), inner)
		offsets[6] = cw.n
		data := []byte{2, 0, 0, 0, 7, 0, 0}
		fmt.Fprintf(cw, "6 0 obj\n<</Type/XRef/Size 8/W[1 4 2]/Index[5 1]/Length %d>>\nstream\n", len(data))
		cw.Write(data)
		fmt.Fprintf(cw, "\nendstream\nendobj\n")
		upd := cw.n
		fmt.Fprintf(cw, "xref\n6 2\n%010d 00000 n\r\n%010d 00000 n\r\n", offsets[6], offsets[7])
		fmt.Fprintf(cw, "trailer\n<</Size 8/Root 1 0 R/Prev %d/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n", main, offsets[6], upd)
		return nil
	case "hybrid":
		// Object 5 lives in object stream 7, which only the /XRefStm (object 6) lists.
		inner := "5 0 " + font
		first := len("5 0 ")
		offsets[7] = cw.n
		fmt.Fprintf(cw, "7 0 obj\n<</Type/ObjStm/N 1/First %d/Length %d>>\nstream\n%s\nendstream\nendobj\n", first, len(inner)+1, inner)
		offsets[6] = cw.n
		var data []byte
		data = append(data, 2, 0, 0, 0, 7, 0, 0) // object 5: in stream 7, index 0
		fmt.Fprintf(cw, "6 0 obj\n<</Type/XRef/Size 8/W[1 4 2]/Index[5 1]/Length %d>>\nstream\n", len(data))
		cw.Write(data)
		fmt.Fprintf(cw, "\nendstream\nendobj\n")
		xref := cw.n
		// The table leaves object 5 out (a free entry in the same section would hide it from mutool
		// and pdfcpu; Word-style files put that free entry in the previous section).
		fmt.Fprintf(cw, "xref\n0 5\n0000000000 65535 f\r\n")
		for n := 1; n <= 4; n++ {
			fmt.Fprintf(cw, "%010d 00000 n\r\n", offsets[n])
		}
		fmt.Fprintf(cw, "6 2\n%010d 00000 n\r\n%010d 00000 n\r\n", offsets[6], offsets[7])
		fmt.Fprintf(cw, "trailer\n<</Size 8/Root 1 0 R/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n", offsets[6], xref)
		return nil
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for n := 1; n < size; n++ {
		fmt.Fprintf(cw, "%010d 00000 n\r\n", offsets[n])
	}
	fmt.Fprintf(cw, "trailer\n<</Size %d/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n", size, trailerExtra, xref)
	if style == "incremental" {
		// An update adding an Info dictionary and replacing the page with a rotated-free copy.
		o7 := cw.n
		fmt.Fprintf(cw, "7 0 obj\n<</Producer(Ponte test update)/Title(Aggiornato)>>\nendobj\n")
		o3 := cw.n
		fmt.Fprintf(cw, "3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>/Annots[]>>\nendobj\n")
		x2 := cw.n
		fmt.Fprintf(cw, "xref\n3 1\n%010d 00000 n\r\n7 1\n%010d 00000 n\r\ntrailer\n<</Size 8/Root 1 0 R/Info 7 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", o3, o7, xref, x2)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
