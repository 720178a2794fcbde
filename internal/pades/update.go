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

// buildUpdate writes the signature dictionary (ISO 32000-1 §12.8.1, EN 319 142-1 §5.4) and either a new
// signature field merged with its widget (§12.7.4.5) on a page, or fills an existing empty signature
// field named opts.Field; then the AcroForm with /SigFlags 3.
func buildUpdate(doc *pdf.Document, opts Options, capacity int) (*built, error) {
	u := doc.NewUpdate()
	cat, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	fields, err := doc.Fields()
	if err != nil {
		return nil, err
	}
	sigRef := u.Alloc()
	sig := sigDict(opts, capacity)
	u.SetRaw(sigRef, sig)
	var added *pdf.Ref
	if opts.Field != "" {
		err = fillField(doc, u, opts, fields, sigRef)
	} else {
		var r pdf.Ref
		r, err = newField(doc, u, opts, fields, sigRef)
		added = &r
	}
	if err != nil {
		return nil, err
	}
	if err := updateAcroForm(doc, u, cat, added); err != nil {
		return nil, err
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

// newField adds a signature field merged with its widget to a page's /Annots (§12.5.2): a direct array
// in the page, or an indirect array object.
func newField(doc *pdf.Document, u *pdf.Update, opts Options, fields []pdf.Field, sigRef pdf.Ref) (pdf.Ref, error) {
	pageNo := 1
	if opts.Visible != nil {
		pageNo = opts.Visible.Page
	}
	page, err := doc.Page(pageNo)
	if err != nil {
		return pdf.Ref{}, signerr.New(signerr.BadInput,
			fmt.Sprintf("La pagina %d non esiste nel documento.", pageNo),
			fmt.Sprintf("Page %d does not exist in the document.", pageNo), err)
	}
	fieldRef := u.Alloc()
	widget := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
		"T": pdf.TextString(uniqueName(fields)), "V": sigRef, "F": int64(132), // Print | Locked
		"P": page.Ref, "Rect": pdf.Array{int64(0), int64(0), int64(0), int64(0)},
	}
	if v := opts.Visible; v != nil {
		if v.Width <= 0 || v.Height <= 0 {
			return pdf.Ref{}, signerr.New(signerr.BadInput, "Il riquadro della firma visibile ha dimensioni nulle.", "The visible signature's box has no size.", nil)
		}
		widget["Rect"] = pdf.Array{v.Left, v.Bottom, v.Left + v.Width, v.Bottom + v.Height}
		widget["AP"] = pdf.Dict{"N": addAppearance(u, opts, v.Width, v.Height, page.Rotate)}
	}
	u.Set(fieldRef, widget)
	annots, err := doc.Resolve(page.Dict["Annots"])
	if err != nil {
		return pdf.Ref{}, err
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
	return fieldRef, nil
}

// addAppearance writes the font and the appearance stream of a w×h box and returns the stream.
func addAppearance(u *pdf.Update, opts Options, w, h float64, rotate int64) pdf.Ref {
	fontRef, apRef := u.Alloc(), u.Alloc()
	u.Set(fontRef, helvetica())
	dict, data := appearance(opts, w, h, rotate, fontRef)
	u.SetStream(apRef, dict, data)
	return apRef
}

// fillField signs into an existing empty signature field (forms with a "sign here" box): its /V becomes
// the signature and, when its widget has a size, the widget gets our appearance.
func fillField(doc *pdf.Document, u *pdf.Update, opts Options, fields []pdf.Field, sigRef pdf.Ref) error {
	var f *pdf.Field
	for i := range fields {
		if s, ok := fields[i].Dict["T"].(pdf.String); ok && pdf.DecodeText(s.Bytes) == opts.Field {
			f = &fields[i]
			break
		}
	}
	switch {
	case f == nil:
		return signerr.New(signerr.BadInput, fmt.Sprintf("Nel documento non c'è il campo firma %q.", opts.Field),
			fmt.Sprintf("The document has no signature field %q.", opts.Field), nil)
	case f.Type != "Sig":
		return signerr.New(signerr.BadInput, fmt.Sprintf("Il campo %q non è un campo firma.", opts.Field),
			fmt.Sprintf("Field %q is not a signature field.", opts.Field), nil)
	case f.Dict["V"] != nil:
		return signerr.New(signerr.BadInput, fmt.Sprintf("Il campo firma %q è già firmato: firmare in un nuovo campo.", opts.Field),
			fmt.Sprintf("Signature field %q is already signed: sign in a new field.", opts.Field), nil)
	case f.Ref == (pdf.Ref{}):
		return signerr.New(signerr.Unsupported, "Il campo firma non è un oggetto indiretto: non può essere compilato.",
			"The signature field is not an indirect object: it cannot be filled.", nil)
	}
	fd := f.Dict.Clone()
	fd["V"] = sigRef
	widgetRef, wd := f.Ref, fd
	if f.Dict.Name("Subtype") != "Widget" {
		kids, _ := doc.Resolve(f.Dict["Kids"])
		ka, _ := kids.(pdf.Array)
		if len(ka) == 0 {
			return signerr.New(signerr.Malformed, "Il campo firma non ha un riquadro sulla pagina.", "The signature field has no widget on a page.", nil)
		}
		kr, ok := ka[0].(pdf.Ref)
		kd, err := doc.Dict(ka[0])
		if !ok || err != nil || kd == nil {
			return signerr.New(signerr.Malformed, "Il riquadro del campo firma non è leggibile.", "The signature field's widget is unreadable.", err)
		}
		u.Set(f.Ref, fd)
		widgetRef, wd = kr, kd.Clone()
	}
	rect, _ := doc.Resolve(wd["Rect"])
	if r, ok := rect.(pdf.Array); ok && len(r) == 4 {
		w, h := pdf.Number(r[2])-pdf.Number(r[0]), pdf.Number(r[3])-pdf.Number(r[1])
		if w < 0 {
			w = -w
		}
		if h < 0 {
			h = -h
		}
		if w > 1 && h > 1 {
			wd["AP"] = pdf.Dict{"N": addAppearance(u, opts, w, h, widgetRotation(doc, widgetRef, wd))}
		}
	}
	u.Set(widgetRef, wd)
	return nil
}

// widgetRotation is the /Rotate of the page holding a widget (its /P, or the page listing it).
func widgetRotation(doc *pdf.Document, widget pdf.Ref, wd pdf.Dict) int64 {
	pages, _, _ := doc.PageRefs(1 << 20)
	for i, p := range pages {
		if pr, ok := wd["P"].(pdf.Ref); ok && pr != p {
			continue
		}
		pg, err := doc.Page(i + 1)
		if err != nil {
			return 0
		}
		if _, ok := wd["P"].(pdf.Ref); ok {
			return pg.Rotate
		}
		annots, _ := doc.Resolve(pg.Dict["Annots"])
		arr, _ := annots.(pdf.Array)
		for _, a := range arr {
			if a == widget {
				return pg.Rotate
			}
		}
	}
	return 0
}

// updateAcroForm sets /SigFlags 3 (SignaturesExist | AppendOnly, §12.7.2 table 219) and adds a new field
// to /Fields; the AcroForm may be indirect, direct in the catalog, or missing.
func updateAcroForm(doc *pdf.Document, u *pdf.Update, cat pdf.Dict, added *pdf.Ref) error {
	var af pdf.Dict
	afRef, afIndirect := cat["AcroForm"].(pdf.Ref)
	if d, err := doc.Dict(cat["AcroForm"]); err != nil {
		return err
	} else if d != nil {
		af = d.Clone()
	} else {
		af = pdf.Dict{}
	}
	if added != nil {
		fobj, err := doc.Resolve(af["Fields"])
		if err != nil {
			return err
		}
		fa, _ := fobj.(pdf.Array)
		fa = append(append(pdf.Array(nil), fa...), *added)
		if fr, ok := af["Fields"].(pdf.Ref); ok {
			u.Set(fr, fa)
		} else {
			af["Fields"] = fa
		}
	}
	af["SigFlags"] = int64(3)
	if afIndirect {
		u.Set(afRef, af)
	} else {
		c := cat.Clone()
		c["AcroForm"] = af
		u.Set(doc.Trailer["Root"].(pdf.Ref), c)
	}
	return nil
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
