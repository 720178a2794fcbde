package pades

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
)

// Later-change classes of a signature's revision (what happened after it was signed).
const (
	ChangesNone       = ""           // the signature covers the whole file
	ChangesSignatures = "signatures" // only signatures, their fields and appearances, form and DSS structures
	ChangesOther      = "other"      // something else changed: see LaterChangeDetails
)

// allowedNew are object types that later signatures legitimately add (ISO 32000-1 §12.8, EN 319 142-1
// §5.4 DSS, §12.7.4.5 signature fields, §12.5.5 appearances).
var allowedNew = map[pdf.Name]bool{"Sig": true, "DocTimeStamp": true, "XRef": true, "ObjStm": true, "Annot": true,
	"XObject": true, "Font": true, "FontDescriptor": true, "DSS": true, "VRI": true, "Encoding": true, "": true}

// ignoredKeys are the keys a signature update may change in existing objects of a given role.
var ignoredKeys = map[string][]pdf.Name{
	"catalog":  {"AcroForm", "DSS", "Extensions"},
	"page":     {"Annots"},
	"acroform": {"Fields", "SigFlags", "DR", "DA", "NeedAppearances"},
}

// laterChanges compares the revision ending at end with the whole file and classifies the updates.
func laterChanges(src docio.Source, full *pdf.Document, end int64) (string, []string) {
	if end >= src.Size() {
		return ChangesNone, nil
	}
	old, err := pdf.Open(docio.NewSection(src, end))
	if err != nil {
		return ChangesOther, []string{"the signed revision cannot be read on its own: " + err.Error()}
	}
	roles := rolesOf(old)
	var details []string
	changed := full.Changed(old)
	sort.Slice(changed, func(i, j int) bool { return changed[i].Num < changed[j].Num })
	for _, ref := range changed {
		if why := judge(full, old, ref, roles); why != "" {
			details = append(details, why)
		}
		if len(details) > 20 {
			details = append(details, "…")
			break
		}
	}
	if len(details) > 0 {
		return ChangesOther, details
	}
	return ChangesSignatures, nil
}

// rolesOf names the existing objects a signature update may touch.
func rolesOf(d *pdf.Document) map[int]string {
	roles := map[int]string{}
	if r, ok := d.Trailer["Root"].(pdf.Ref); ok {
		roles[r.Num] = "catalog"
	}
	if cat, err := d.Catalog(); err == nil {
		if r, ok := cat["AcroForm"].(pdf.Ref); ok {
			roles[r.Num] = "acroform"
		}
		if af, _ := d.Dict(cat["AcroForm"]); af != nil {
			if r, ok := af["Fields"].(pdf.Ref); ok {
				roles[r.Num] = "array"
			}
		}
		if r, ok := cat["DSS"].(pdf.Ref); ok {
			roles[r.Num] = "dss"
		}
	}
	if r, ok := d.Trailer["Info"].(pdf.Ref); ok {
		roles[r.Num] = "info"
	}
	pages, annots, _ := d.PageRefs(1 << 20)
	for _, p := range pages {
		roles[p.Num] = "page"
	}
	for _, a := range annots {
		roles[a.Num] = "array"
	}
	return roles
}

// judge returns "" when a changed object is what a later signature may change, else a description.
func judge(full, old *pdf.Document, ref pdf.Ref, roles map[int]string) string {
	now, err := full.Object(ref)
	if err != nil {
		return fmt.Sprintf("object %d unreadable", ref.Num)
	}
	typ := typeOf(now)
	if !old.Has(ref.Num) {
		if allowedNew[typ] {
			return ""
		}
		return fmt.Sprintf("new object %d of type /%s", ref.Num, typ)
	}
	before, err := old.Object(ref)
	if err != nil {
		return fmt.Sprintf("object %d unreadable in the signed revision", ref.Num)
	}
	switch role := roles[ref.Num]; role {
	case "catalog", "page", "acroform":
		a, b := dictOf(before), dictOf(now)
		if a != nil && b != nil && bytes.Equal(without(a, ignoredKeys[role]), without(b, ignoredKeys[role])) {
			return ""
		}
		return fmt.Sprintf("%s (object %d) changed", role, ref.Num)
	case "array":
		a, _ := before.(pdf.Array)
		b, _ := now.(pdf.Array)
		if len(b) >= len(a) && bytes.Equal(pdf.Serialize(a), pdf.Serialize(b[:len(a)])) {
			return ""
		}
		return fmt.Sprintf("annotation or field list (object %d) changed", ref.Num)
	case "dss", "info":
		return ""
	}
	if typ == "Sig" || typ == "DocTimeStamp" || typ == "XRef" || typ == "ObjStm" {
		return ""
	}
	if d := dictOf(now); d != nil && d.Name("FT") == "Sig" {
		return ""
	}
	return fmt.Sprintf("object %d (/%s) changed", ref.Num, typ)
}

func typeOf(o pdf.Object) pdf.Name {
	if d := dictOf(o); d != nil {
		return d.Name("Type")
	}
	return ""
}

func dictOf(o pdf.Object) pdf.Dict {
	switch v := o.(type) {
	case pdf.Dict:
		return v
	case *pdf.Stream:
		return v.Dict
	}
	return nil
}

func without(d pdf.Dict, keys []pdf.Name) []byte {
	c := d.Clone()
	for _, k := range keys {
		delete(c, k)
	}
	return pdf.Serialize(c)
}
