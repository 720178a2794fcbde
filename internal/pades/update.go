package pades

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/signerr"
)

type built struct {
	tail         *pdf.Tail
	contentsOff  int // first hex digit of /Contents in tail
	byteRangeOff int // the '[' of /ByteRange in tail
}

// buildUpdate writes the signature dictionary (ISO 32000-1 §12.8.1, EN 319 142-1 §5.4), a signature
// field merged with its widget (§12.7.4.5), the page's /Annots and the AcroForm with /SigFlags 3.
func buildUpdate(doc *pdf.Document, opts Options, capacity int) (*built, error) {
	u := doc.NewUpdate()
	cat, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	rootRef := doc.Trailer["Root"].(pdf.Ref)
	pageNo := 1
	if opts.Visible != nil {
		pageNo = opts.Visible.Page
	}
	page, err := doc.Page(pageNo)
	if err != nil {
		return nil, signerr.New(signerr.BadInput,
			fmt.Sprintf("La pagina %d non esiste nel documento.", pageNo),
			fmt.Sprintf("Page %d does not exist in the document.", pageNo), err)
	}
	fields, err := doc.Fields()
	if err != nil {
		return nil, err
	}

	sigRef, fieldRef := u.Alloc(), u.Alloc()
	sig := sigDict(opts, capacity)
	u.SetRaw(sigRef, sig)

	widget := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
		"T": pdf.TextString(uniqueName(fields)), "V": sigRef, "F": int64(132), // Print | Locked
		"P": page.Ref, "Rect": pdf.Array{int64(0), int64(0), int64(0), int64(0)},
	}
	if v := opts.Visible; v != nil {
		if v.Width <= 0 || v.Height <= 0 {
			return nil, signerr.New(signerr.BadInput, "Il riquadro della firma visibile ha dimensioni nulle.", "The visible signature's box has no size.", nil)
		}
		widget["Rect"] = pdf.Array{v.Left, v.Bottom, v.Left + v.Width, v.Bottom + v.Height}
		fontRef, apRef := u.Alloc(), u.Alloc()
		u.Set(fontRef, helvetica())
		dict, data := appearance(opts, v.Width, v.Height, page.Rotate, fontRef)
		u.SetStream(apRef, dict, data)
		widget["AP"] = pdf.Dict{"N": apRef}
	}
	u.Set(fieldRef, widget)

	// The page's /Annots (§12.5.2): a direct array in the page, or an indirect array object.
	annots, err := doc.Resolve(page.Dict["Annots"])
	if err != nil {
		return nil, err
	}
	arr, _ := annots.(pdf.Array)
	arr = append(append(pdf.Array(nil), arr...), fieldRef)
	if ar, ok := page.Dict["Annots"].(pdf.Ref); ok {
		u.Set(ar, arr)
	} else {
		pd := page.Dict.Clone()
		pd["Annots"] = arr
		u.Set(page.Ref, pd)
	}

	// The AcroForm (§12.7.2): indirect or direct in the catalog, or new.
	var af pdf.Dict
	afRef, afIndirect := cat["AcroForm"].(pdf.Ref)
	if d, err := doc.Dict(cat["AcroForm"]); err != nil {
		return nil, err
	} else if d != nil {
		af = d.Clone()
	} else {
		af = pdf.Dict{}
	}
	fobj, err := doc.Resolve(af["Fields"])
	if err != nil {
		return nil, err
	}
	fa, _ := fobj.(pdf.Array)
	fa = append(append(pdf.Array(nil), fa...), fieldRef)
	if fr, ok := af["Fields"].(pdf.Ref); ok {
		u.Set(fr, fa)
	} else {
		af["Fields"] = fa
	}
	af["SigFlags"] = int64(3) // SignaturesExist | AppendOnly (§12.7.2 table 219)
	if afIndirect {
		u.Set(afRef, af)
	} else {
		c := cat.Clone()
		c["AcroForm"] = af
		u.Set(rootRef, c)
	}

	t, err := u.Build()
	if err != nil {
		return nil, err
	}
	b := &built{tail: t}
	body := t.Offsets[sigRef]
	b.byteRangeOff = body + bytes.Index(sig, []byte("/ByteRange ")) + len("/ByteRange ")
	b.contentsOff = body + bytes.Index(sig, []byte("/Contents <")) + len("/Contents <")
	return b, nil
}

// sigDict is the signature dictionary with placeholders: /ByteRange filled at Prepare, /Contents at
// Finish. No /Cert, no CMS signing-time: the time is /M (EN 319 142-1 §5.4.3).
func sigDict(opts Options, capacity int) []byte {
	var b strings.Builder
	b.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached")
	b.WriteString(" /M ")
	b.Write(pdf.Serialize(pdf.Date(opts.Time)))
	b.WriteString(" /Name ")
	b.Write(pdf.Serialize(pdf.TextString(opts.Name)))
	for _, kv := range []struct {
		k, v string
	}{{"Reason", opts.Reason}, {"Location", opts.Location}, {"ContactInfo", opts.ContactInfo}} {
		if kv.v != "" {
			b.WriteString(" /" + kv.k + " ")
			b.Write(pdf.Serialize(pdf.TextString(kv.v)))
		}
	}
	b.WriteString("\n/ByteRange ")
	b.WriteString("[0 " + strings.Repeat(" ", 3*byteRangeWidth+2) + "]")
	b.WriteString("\n/Contents <")
	b.WriteString(strings.Repeat("0", 2*capacity))
	b.WriteString(">>>")
	return []byte(b.String())
}

// uniqueName picks "Signature N" not used by another field.
func uniqueName(fields []pdf.Field) string {
	used := map[string]bool{}
	for _, f := range fields {
		if s, ok := f.Dict["T"].(pdf.String); ok {
			used[pdf.DecodeText(s.Bytes)] = true
		}
	}
	for i := 1; ; i++ {
		n := "Signature" + itoa(i)
		if !used[n] {
			return n
		}
	}
}
