package pades

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
)

// Later-change classes of a signature's revision (what happened after it was signed). The rules are
// written as a promise in docs/signing.md, "Changes after signing".
const (
	ChangesNone       = ""           // the signature covers the whole file
	ChangesSignatures = "signatures" // (a) only further signatures, document time stamps and validation data
	ChangesAllowed    = "allowed"    // (b) form filling or annotations the DocMDP/FieldMDP permissions allow
	ChangesOther      = "other"      // (c) anything else: the document was modified after the signature
)

// Change is one later change, named with its object and kind, in Italian and English.
type Change struct {
	Class  string // ChangesAllowed or ChangesOther; ChangesSignatures for a note (a visible signature)
	IT, EN string
}

// Text is the change in lang ("en" or Italian).
func (c Change) Text(lang string) string {
	if lang == "en" {
		return c.EN
	}
	return c.IT
}

// ChangesText is every later change of the signature in lang, joined by "; " ("" when there are none).
func (s *SignatureReport) ChangesText(lang string) string {
	texts := make([]string, len(s.Changes))
	for i, c := range s.Changes {
		texts[i] = c.Text(lang)
	}
	return strings.Join(texts, "; ")
}

// changeWords are the change descriptions: Italian, English (fmt verbs in the same order).
var changeWords = map[string][2]string{
	"unreadable":   {"la versione firmata non si legge da sola: %s", "the signed revision cannot be read on its own: %s"},
	"too-large":    {"documento troppo grande per analizzare le modifiche", "document too large to analyse its changes"},
	"catalog":      {"catalogo del documento modificato (/%s)", "document catalog changed (/%s)"},
	"action":       {"azione automatica aggiunta o modificata (/%s)", "automatic action added or changed (/%s)"},
	"acroform":     {"modulo del documento modificato (/%s)", "document form changed (/%s)"},
	"field-add":    {"campo del modulo aggiunto (oggetto %d)", "form field added (object %d)"},
	"field-del":    {"campo del modulo rimosso (oggetto %d)", "form field removed (object %d)"},
	"pages-count":  {"numero di pagine cambiato da %d a %d", "page count changed from %d to %d"},
	"pages-order":  {"ordine o oggetti delle pagine cambiati", "page order or page objects changed"},
	"page-content": {"contenuto della pagina %d modificato", "content of page %d changed"},
	"page-res":     {"risorse della pagina %d modificate", "resources of page %d changed"},
	"page-key":     {"pagina %d modificata (/%s)", "page %d changed (/%s)"},
	"annot-add":    {"annotazione /%s aggiunta alla pagina %d (oggetto %d)", "/%s annotation added to page %d (object %d)"},
	"annot-del":    {"annotazione rimossa dalla pagina %d (oggetto %d)", "annotation removed from page %d (object %d)"},
	"annot-order":  {"ordine delle annotazioni della pagina %d cambiato", "order of the annotations of page %d changed"},
	"annot-mod":    {"annotazione /%s della pagina %d modificata (oggetto %d)", "/%s annotation of page %d changed (object %d)"},
	"fill":         {"campo %q compilato (oggetto %d)", "field %q filled in (object %d)"},
	"fill-locked":  {"campo %q modificato benché bloccato dalla firma (oggetto %d)", "field %q changed although the signature locks it (object %d)"},
	"field-mod":    {"campo %q modificato (oggetto %d, /%s)", "field %q changed (object %d, /%s)"},
	"sig-rewrite":  {"dizionario della firma %q riscritto (oggetto %d, /%s)", "signature dictionary of %q rewritten (object %d, /%s)"},
	"sig-docmdp":   {"firma aggiunta a un documento certificato senza modifiche consentite (oggetto %d)", "signature added to a document certified with no changes allowed (object %d)"},
	"page-stream":  {"contenuto della pagina %d modificato (oggetto %d)", "content of page %d changed (object %d)"},
	"object-mod":   {"oggetto %d (/%s) modificato", "object %d (/%s) changed"},
	"object-del":   {"oggetto %d eliminato", "object %d deleted"},
	"object-new":   {"nuovo oggetto %d (/%s) usato dal documento", "new object %d (/%s) used by the document"},
	"object-def":   {"oggetto %d, assente alla firma, ora definito e usato (/%s)", "object %d, undefined when signed, now defined and used (/%s)"},
	"revisions":    {"più di %d aggiornamenti dopo la firma, i seguenti non analizzati (dal byte %d)", "more than %d updates after the signature, the next ones not analysed (from byte %d)"},
	"trailing":     {"dati non riconosciuti dopo la fine del documento (dal byte %d)", "unrecognised data after the end of the document (from byte %d)"},
	"trailer":      {"trailer del documento modificato (/%s)", "document trailer changed (/%s)"},
	"info-key":     {"metadati del documento (Info) con una voce che non è testo (/%s)", "document metadata (Info) with an entry that is not text (/%s)"},
	"info":         {"metadati del documento (Info) modificati", "document metadata (Info) changed"},
	"metadata":     {"metadati XMP del documento modificati", "document XMP metadata changed"},
	"sig-action":   {"campo firma %q con un'azione automatica (oggetto %d)", "signature field %q with an automatic action (object %d)"},
	"annot-action": {"annotazione /%s con un'azione automatica o contenuto attivo, pagina %d (oggetto %d)", "/%s annotation with an automatic action or active content, page %d (object %d)"},
	"sig-empty":    {"campo firma %q vuoto aggiunto (oggetto %d)", "empty signature field %q added (object %d)"},
	"sig-drawn-empty": {"campo firma %q senza firma aggiunto, con un aspetto disegnato sulla pagina %d (oggetto %d)",
		"unsigned signature field %q added, with an appearance drawn on page %d (object %d)"},
	"sig-unverified": {"campo firma %q fuori dal modulo con una firma che non si verifica (oggetto %d)",
		"signature field %q outside the form holding a signature that does not verify (object %d)"},
	"sig-drawn": {"firma %q visibile aggiunta: il suo aspetto è disegnato sulla pagina %d nel riquadro %s (oggetto %d)",
		"visible signature %q added: its appearance is drawn on page %d in the box %s (object %d)"},
}

func newChange(class, key string, a ...any) Change {
	w := changeWords[key]
	return Change{Class: class, IT: fmt.Sprintf(w[0], a...), EN: fmt.Sprintf(w[1], a...)}
}

// maxChanges bounds the list (the class is decided by the first Other anyway); maxRevisions bounds
// the later revisions compared one by one; maxWalk bounds the objects visited in one revision.
const (
	maxChanges   = 40
	maxRevisions = 64
	maxWalk      = 1 << 20
)

// laterChanges compares the revision ending at end (the one the signature sig signs) with every later
// revision of the file and with the file as a viewer reads it (full), and classifies what changed.
// Anything it cannot classify is ChangesOther (fail closed).
func laterChanges(src docio.Source, full *pdf.Document, end int64, sig pdf.Dict) (string, []string, []Change) {
	if end >= src.Size() {
		return ChangesNone, nil, nil
	}
	old, err := pdf.Open(docio.NewSection(src, end))
	if err != nil {
		c := newChange(ChangesOther, "unreadable", err.Error())
		return ChangesOther, []string{c.IT + " / " + c.EN}, []Change{c}
	}
	base := newSigned(old, sig)
	base.src, base.end = src, end
	var all []Change
	seen := map[string]bool{}
	class := ChangesSignatures
	add := func(cs []Change) {
		for _, c := range cs {
			// The class counts every change, also those past the list's limit.
			if c.Class == ChangesOther || class == ChangesSignatures {
				class = c.Class
			}
			if !seen[c.EN] && len(all) < maxChanges {
				seen[c.EN] = true
				all = append(all, c)
			}
		}
	}
	ends := revisionEnds(src, end)
	for _, e := range ends {
		if e >= src.Size() {
			break
		}
		if cur, err := pdf.Open(docio.NewSection(src, e)); err == nil {
			add(base.compare(cur))
		}
	}
	add(base.compare(full))
	last := end
	if len(ends) > 0 {
		last = ends[len(ends)-1]
	}
	switch {
	case len(ends) >= maxRevisions && !blankAfter(src, last):
		add([]Change{newChange(ChangesOther, "revisions", maxRevisions, last)})
	case !blankAfter(src, last):
		add([]Change{newChange(ChangesOther, "trailing", last)})
	}
	var details []string
	for _, c := range all {
		details = append(details, c.IT+" / "+c.EN)
	}
	return class, details, all
}

// revisionEnds finds the ends of the incremental updates after end ("%%EOF" markers, ISO 32000-1
// §7.5.6).
func revisionEnds(src docio.Source, end int64) []int64 {
	var out []int64
	marker := []byte("%%EOF")
	for off := end; off < src.Size() && len(out) < maxRevisions; off += docio.ChunkSize {
		n := min(int64(docio.ChunkSize)+int64(len(marker)), src.Size()-off)
		buf, err := docio.ReadRange(src, docio.Range{Off: off, Len: n})
		if err != nil {
			return out
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:], marker)
			if j < 0 || int64(i+j) >= docio.ChunkSize || len(out) >= maxRevisions {
				break
			}
			out = append(out, off+int64(i+j+len(marker)))
			i += j + 1
		}
	}
	return out
}

// blankAfter: only white space (and NUL padding) follows off: nothing a viewer could read as an update.
func blankAfter(src docio.Source, off int64) bool {
	if src.Size()-off > 1024 {
		return false
	}
	b, err := docio.ReadRange(src, docio.Range{Off: off, Len: src.Size() - off})
	return err == nil && len(bytes.Trim(b, " \t\r\n\f\x00")) == 0
}

// signed is what is known of the signed revision: the roles of its objects and the permissions.
type signed struct {
	src      docio.Source
	end      int64 // the signed revision's end
	old      *pdf.Document
	perm     int64 // DocMDP P in force: 1, 2 or 3 (2 when the document is not certified: see docs)
	locks    func(name string) bool
	pageNo   map[int]int    // page object number → page number
	contents map[int]int    // content stream object number → page number
	sigDicts map[int]string // signature dictionaries → field name
	fields   map[int]pdf.Dict
	annots   map[int]int // annotation object number → page number
	keep     map[int]bool
	draws    map[int]bool // objects the pages draw: contents, resources (inherited ones too)
}

func newSigned(old *pdf.Document, sig pdf.Dict) *signed {
	s := &signed{old: old, perm: 2, pageNo: map[int]int{}, contents: map[int]int{}, sigDicts: map[int]string{},
		fields: map[int]pdf.Dict{}, annots: map[int]int{}, keep: map[int]bool{}, draws: map[int]bool{}}
	s.perm = docMDP(old)
	s.locks = fieldLocks(old, sig)
	pages, _, _ := old.PageRefs(maxWalk)
	for i, p := range pages {
		s.pageNo[p.Num] = i + 1
		d, _ := old.Dict(p)
		if d == nil {
			continue
		}
		if r, ok := d["Contents"].(pdf.Ref); ok {
			s.contents[r.Num] = i + 1
		}
		for _, r := range refsIn(old, d["Contents"]) {
			s.contents[r.Num] = i + 1
		}
		for _, r := range refsIn(old, d["Annots"]) {
			s.annots[r.Num] = i + 1
		}
		s.markDrawn(p, d)
	}
	if fs, err := old.Fields(); err == nil {
		for _, f := range fs {
			if f.Ref.Num > 0 {
				s.fields[f.Ref.Num] = f.Dict
			}
			if v, ok := f.Dict["V"].(pdf.Ref); ok && f.Type == "Sig" {
				s.sigDicts[v.Num] = fieldName(old, f.Dict)
			}
		}
	}
	// Validation data of the signed revision: the DSS may be extended (EN 319 142-1 §5.4.2).
	if cat, err := old.Catalog(); err == nil {
		for n := range closure(old, nil, cat["DSS"]) {
			s.keep[n] = !s.draws[n]
		}
	}
	return s
}

// markDrawn records what page p draws: every object reachable from its dictionary but through
// /Annots and /Parent, and the /Resources it inherits (ISO 32000-1 §7.7.3.4).
func (s *signed) markDrawn(p pdf.Ref, d pdf.Dict) {
	s.draws[p.Num] = true
	for i := 0; d != nil && i < 32 && len(s.draws) < maxWalk; i++ {
		for k, v := range d {
			if k == "Annots" || k == "Parent" || k == "Kids" || (i > 0 && k != "Resources") {
				continue
			}
			for n := range closure(s.old, nil, v) {
				s.draws[n] = true
			}
		}
		d, _ = s.old.Dict(d["Parent"])
	}
}

// judged marks the object at a place of cur (its value now) as judged by that place's rules, only when
// the signed revision had the same object there and no page draws it: a content stream rewritten and
// named as the /DSS, the form's /DR or another page's /Annots is judged for what it was.
func (r *revision) judged(before, now pdf.Object) {
	ref, ok := now.(pdf.Ref)
	if !ok {
		return
	}
	r.accepted[ref.Num] = r.accepted[ref.Num] || r.isNew(ref.Num)
	if old, ok := before.(pdf.Ref); ok && old.Num == ref.Num && !r.draws[ref.Num] {
		r.changed[ref.Num] = false
	}
}

// docMDP is the certification level of the document (ISO 32000-1 §12.8.2.2): the P of the DocMDP
// transform of the signature the catalog's /Perms names, 2 when absent in it. An uncertified document
// is held to P = 2 (form filling only), stricter than Adobe's default (see docs/signing.md).
func docMDP(d *pdf.Document) int64 {
	cat, err := d.Catalog()
	if err != nil {
		return 2
	}
	perms, _ := d.Dict(cat["Perms"])
	sig, _ := d.Dict(perms["DocMDP"])
	for _, p := range transforms(d, sig, "DocMDP") {
		if n, ok := p.Int("P"); ok && n >= 1 && n <= 3 {
			return n
		}
		return 2
	}
	return 2
}

// transforms returns the TransformParams of a signature's references with the given method (§12.8.1).
func transforms(d *pdf.Document, sig pdf.Dict, method pdf.Name) []pdf.Dict {
	var out []pdf.Dict
	ra, _ := d.Resolve(sig["Reference"])
	arr, _ := ra.(pdf.Array)
	for _, r := range arr {
		rd, _ := d.Dict(r)
		if rd == nil || rd.Name("TransformMethod") != method {
			continue
		}
		p, _ := d.Dict(rd["TransformParams"])
		if p == nil {
			p = pdf.Dict{}
		}
		out = append(out, p)
	}
	return out
}

// fieldLocks is the FieldMDP of the signature (ISO 32000-1 §12.8.2.4): which fields it locks.
func fieldLocks(d *pdf.Document, sig pdf.Dict) func(string) bool {
	params := transforms(d, sig, "FieldMDP")
	return func(name string) bool {
		for _, p := range params {
			fa, _ := d.Resolve(p["Fields"])
			arr, _ := fa.(pdf.Array)
			listed := false
			for _, f := range arr {
				if s, ok := f.(pdf.String); ok && pdf.DecodeText(s.Bytes) == name {
					listed = true
				}
			}
			switch p.Name("Action") {
			case "Include":
				if listed {
					return true
				}
			case "Exclude":
				if !listed {
					return true
				}
			default: // All, and anything unknown (fail closed)
				return true
			}
		}
		return false
	}
}

// fieldName is the fully qualified field name (§12.7.3.2).
func fieldName(d *pdf.Document, f pdf.Dict) string {
	var parts []string
	for i := 0; f != nil && i < 32; i++ {
		if t, ok := f["T"].(pdf.String); ok {
			parts = append([]string{pdf.DecodeText(t.Bytes)}, parts...)
		}
		f, _ = d.Dict(f["Parent"])
	}
	return strings.Join(parts, ".")
}

// inherited is a field's value for an inheritable key (§12.7.3.1 table 220: /FT, /V, /Ff, /DV), from
// the widget or field up its /Parent chain.
func inherited(d *pdf.Document, f pdf.Dict, k pdf.Name) pdf.Object {
	for i := 0; f != nil && i < 32; i++ {
		if v, ok := f[k]; ok {
			return v
		}
		f, _ = d.Dict(f["Parent"])
	}
	return nil
}

// fieldType is the field type, inherited through /Parent (§12.7.3.1).
func fieldType(d *pdf.Document, f pdf.Dict) pdf.Name {
	for i := 0; f != nil && i < 32; i++ {
		if t := f.Name("FT"); t != "" {
			return t
		}
		f, _ = d.Dict(f["Parent"])
	}
	return ""
}

// revision is one comparison of the signed revision with a later one.
type revision struct {
	*signed
	cur      *pdf.Document
	accepted map[int]bool // new objects an accepted or already reported change brought
	changed  map[int]bool // objects of the signed revision that differ in cur
	widgets  map[int]bool // signature fields of cur and their widgets
	out      []Change
}

// isSigWidget: a new widget is a signature's when a signature field of the form owns it, or when it is
// itself a signature field holding a signature (poppler 22.12's pdfsig adds such a widget to the page
// without listing it in a direct /AcroForm's /Fields).
func (r *revision) isSigWidget(n int, d pdf.Dict) bool {
	if r.sigWidgets()[n] {
		return true
	}
	v, _ := r.cur.Dict(d["V"])
	return fieldType(r.cur, d) == "Sig" && v != nil && (v.Name("Type") == "Sig" || v.Name("Type") == "DocTimeStamp")
}

// sigWidgets are cur's signature fields and their widgets: a widget that no signature field of the
// form owns is an annotation like any other.
func (r *revision) sigWidgets() map[int]bool {
	if r.widgets != nil {
		return r.widgets
	}
	r.widgets = map[int]bool{}
	fs, _ := r.cur.Fields()
	for _, f := range fs {
		if f.Type != "Sig" {
			continue
		}
		r.widgets[f.Ref.Num] = true
		for _, k := range refsIn(r.cur, f.Dict["Kids"]) {
			r.widgets[k.Num] = true
		}
	}
	return r.widgets
}

func (r *revision) other(key string, a ...any) {
	r.out = append(r.out, newChange(ChangesOther, key, a...))
}

// compare lists what changed from the signed revision to cur.
func (s *signed) compare(cur *pdf.Document) []Change {
	r := &revision{signed: s, cur: cur, accepted: map[int]bool{}, changed: map[int]bool{}}
	for _, ref := range cur.Changed(s.old) {
		if s.old.Has(ref.Num) && !r.sameObject(ref.Num) {
			r.changed[ref.Num] = true
		}
	}
	for _, n := range cur.Removed(s.old) {
		r.other("object-del", n)
	}
	// A trailer that starts encrypting (or changes how) makes every string and stream read differently.
	if !r.equalIn(s.old.Trailer["Encrypt"], cur.Trailer["Encrypt"]) {
		r.other("trailer", "Encrypt")
	}
	if !r.equalIn(s.old.Trailer["Info"], cur.Trailer["Info"]) {
		r.metadata("info", cur.Trailer["Info"])
		r.infoValues(cur.Trailer["Info"])
	}
	oc, _ := s.old.Catalog()
	cc, err := cur.Catalog()
	if oc == nil || err != nil {
		r.other("catalog", "Root")
		return r.out
	}
	r.catalog(oc, cc)
	r.pages()
	r.objects()
	r.walk(cc)
	return r.out
}

// sameObject: object n reads the same in both revisions (dictionary and stream data).
func (r *revision) sameObject(n int) bool {
	if r.cur.Same(r.old, n) {
		return true
	}
	a, err1 := r.old.Object(pdf.Ref{Num: n})
	b, err2 := r.cur.Object(pdf.Ref{Num: n})
	if err1 != nil || err2 != nil || !bytes.Equal(pdf.Serialize(a), pdf.Serialize(b)) {
		return false
	}
	sa, ok1 := a.(*pdf.Stream)
	sb, ok2 := b.(*pdf.Stream)
	if !ok1 || !ok2 {
		return ok1 == ok2
	}
	da, err1 := r.old.RawStream(sa)
	db, err2 := r.cur.RawStream(sb)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}

// isNew: n is defined in cur and was not in the signed revision.
func (r *revision) isNew(n int) bool { return !r.old.Has(n) && r.cur.Has(n) }

// accept marks the new objects reachable from o (not crossing into the signed revision's objects) as
// accounted for.
func (r *revision) accept(o pdf.Object) {
	for n := range closure(r.cur, r.old, o) {
		r.accepted[n] = true
	}
}

// catalog compares the catalogs (ISO 32000-1 §7.7.2): only /AcroForm (judged below), /DSS and
// /Extensions (EN 319 142-1 §5.4: validation data, the ESIC extension) may change.
func (r *revision) catalog(oc, cc pdf.Dict) {
	r.judged(r.old.Trailer["Root"], r.cur.Trailer["Root"])
	for _, k := range keysOf(oc, cc) {
		switch k {
		case "AcroForm":
			r.acroForm(oc[k], cc[k])
		case "Metadata":
			if !r.equalIn(oc[k], cc[k]) {
				r.metadata("metadata", cc[k])
			}
		case "DSS", "Extensions":
			if !r.equalIn(oc[k], cc[k]) {
				r.accept(cc[k])
				r.clearOld(oc[k], cc[k])
			}
		default:
			if !r.equalIn(oc[k], cc[k]) {
				if k == "OpenAction" || k == "AA" || k == "Names" {
					r.other("action", k)
				} else {
					r.other("catalog", k)
				}
				r.accept(cc[k])
			}
		}
	}
}

// metadata: the document information dictionary or the XMP metadata changed (ISO 32000-1 §14.3). They
// are not drawn; signing applications (Adobe Acrobat among them) update the modification date when they
// add a signature, so this is reported as an allowed change, never hidden.
func (r *revision) metadata(key string, now pdf.Object) {
	r.out = append(r.out, newChange(ChangesAllowed, key))
	r.accept(now)
}

// infoValues: the document information dictionary holds text strings, dates and the /Trapped name
// (ISO 32000-1 §14.3.3); a dictionary or array in it, or a reference to one (an /OpenAction, a
// /Pages: a catalog in disguise), is not metadata, and is (c).
func (r *revision) infoValues(info pdf.Object) {
	d, _ := r.cur.Dict(info)
	for _, k := range sortedKeys(d) {
		v, _ := r.cur.Resolve(d[pdf.Name(k)]) // an indirect text string is text
		switch v.(type) {
		case pdf.String, pdf.Name:
		default:
			r.other("info-key", k)
		}
	}
}

// clearOld marks the signed revision's validation data (the DSS, what no page draws) as judged.
func (r *revision) clearOld(before, now pdf.Object) {
	for n, k := range r.keep {
		if k {
			r.changed[n] = false
		}
	}
	r.judged(before, now)
}

// equalIn: a value is the same in both revisions (references to unchanged objects compare equal; a
// changed referenced object is judged on its own).
func (r *revision) equalIn(a, b pdf.Object) bool {
	return bytes.Equal(pdf.Serialize(a), pdf.Serialize(b))
}

// acroForm compares the interactive form dictionaries (§12.7.2): /Fields may gain signature fields,
// /SigFlags, /DR and /DA may change (a signature's appearance needs a font).
func (r *revision) acroForm(oa, ca pdf.Object) {
	r.judged(oa, ca)
	od, _ := r.old.Dict(oa)
	cd, _ := r.cur.Dict(ca)
	if cd == nil {
		if od != nil {
			r.other("acroform", "AcroForm")
		}
		return
	}
	if od == nil {
		od = pdf.Dict{}
	}
	for _, k := range keysOf(od, cd) {
		switch k {
		case "Fields":
			r.fieldList(od[k], cd[k])
		case "SigFlags", "DR", "DA":
			r.accept(cd[k])
			r.judged(od[k], cd[k])
		default:
			if !r.equalIn(od[k], cd[k]) {
				r.other("acroform", k)
				r.accept(cd[k])
			}
		}
	}
}

// fieldList: every field of the signed revision stays; new ones must be signature fields (with their
// widgets, values and appearances).
func (r *revision) fieldList(oa, ca pdf.Object) {
	r.judged(oa, ca)
	before := map[int]bool{}
	for _, f := range refsIn(r.old, oa) {
		before[f.Num] = true
	}
	now := map[int]bool{}
	for _, f := range refsIn(r.cur, ca) {
		now[f.Num] = true
		if before[f.Num] {
			continue
		}
		d, _ := r.cur.Dict(f)
		if !r.isNew(f.Num) || fieldType(r.cur, d) != "Sig" {
			r.other("field-add", f.Num)
			r.accept(f)
			continue
		}
		r.newSignature(f, d)
	}
	for n := range before {
		if !now[n] {
			r.other("field-del", n)
		}
	}
}

// newSignature accepts a new signature field (and its value): a further signature or a document time
// stamp. Under DocMDP P = 1 only a document time stamp may be added.
func (r *revision) newSignature(f pdf.Ref, d pdf.Dict) {
	v, _ := r.cur.Dict(inherited(r.cur, d, "V"))
	if r.perm == 1 && (v == nil || v.Name("Type") != "DocTimeStamp" && v.Name("SubFilter") != "ETSI.RFC3161") {
		r.other("sig-docmdp", f.Num)
	}
	if active(d) {
		r.other("sig-action", fieldName(r.cur, d), f.Num)
	}
	r.accept(f)
}

// sigWidget judges a new signature widget on a page (ISO 32000-1 §12.7.4.5, §12.5.6.19). A signature
// needs no action, so one is (c); a widget whose field has no value is not a signature: drawn, it is
// (c) (Rohlmann et al. 2021, "Sneaky Signature"), else an allowed change named; a widget outside the
// form, which Verify does not list, must hold a signature that verifies over a later revision; a
// visible signature's appearance can draw over the page, so it is named with its box (still (a)).
func (r *revision) sigWidget(page, n int, d pdf.Dict) {
	name := fieldName(r.cur, d)
	v, _ := r.cur.Dict(inherited(r.cur, d, "V"))
	r.newSignature(pdf.Ref{Num: n}, d)
	switch {
	case v == nil && r.drawn(d):
		r.other("sig-drawn-empty", name, page, n)
	case v == nil:
		r.out = append(r.out, newChange(ChangesAllowed, "sig-empty", name, n))
	case !r.sigWidgets()[n] && !r.verifies(v):
		r.other("sig-unverified", name, n)
	case r.drawn(d):
		// Still a signature (a), named: what it draws is drawn in its box only (§12.5.5).
		r.out = append(r.out, newChange(ChangesSignatures, "sig-drawn", name, page, string(pdf.Serialize(d["Rect"])), n))
	}
}

// verifies: v is a signature whose byte range is sound, ends after the signed revision, and whose
// CMS matches the bytes it covers (its signer's trust is judged where it is listed, not here).
func (r *revision) verifies(v pdf.Dict) bool {
	rep := verifyOne(r.src, "", v, cms.VerifyOptions{})
	return rep.ByteRangeOK && rep.IntegrityOK && rep.ByteRange[2]+rep.ByteRange[3] > r.end
}

// drawn: an annotation shows something: a /Rect of some area, not hidden (§12.5.3 flags Hidden 2,
// NoView 32) and a normal appearance (§12.5.5) that is not an empty stream.
func (r *revision) drawn(d pdf.Dict) bool {
	rect, _ := r.cur.Resolve(d["Rect"])
	arr, _ := rect.(pdf.Array)
	var x [4]float64
	for i := 0; i < 4 && i < len(arr); i++ {
		x[i] = pdf.Number(arr[i])
	}
	if flags, _ := d.Int("F"); flags&(2|32) != 0 || x[0] == x[2] || x[1] == x[3] {
		return false
	}
	ap, _ := r.cur.Dict(d["AP"])
	n, _ := r.cur.Resolve(ap["N"])
	if st, ok := n.(*pdf.Stream); ok {
		// The raw bytes: a compressed empty stream counts as drawn (fail closed: a warning).
		data, err := r.cur.RawStream(st)
		return err != nil || len(bytes.TrimSpace(data)) > 0
	}
	return n != nil
}

// active: an annotation or field carries an action (§12.6: /A, /AA) or is active content (§13:
// sound, movie, screen, rich media, 3D), which runs something rather than showing it.
func active(d pdf.Dict) bool {
	switch d.Name("Subtype") {
	case "Screen", "Movie", "Sound", "RichMedia", "3D":
		return true
	}
	return d["A"] != nil || d["AA"] != nil
}

// pages compares the page lists and each page (§7.7.3): only /Annots may change, gaining signature
// widgets, or annotations the permissions allow.
func (r *revision) pages() {
	op, _, err1 := r.old.PageRefs(maxWalk)
	cp, _, err2 := r.cur.PageRefs(maxWalk)
	if err1 != nil || err2 != nil || len(op) != len(cp) {
		r.other("pages-count", len(op), len(cp))
	}
	for i := range min(len(op), len(cp)) {
		if op[i].Num != cp[i].Num {
			r.other("pages-order")
			return
		}
	}
	for i, p := range cp {
		if i >= len(op) {
			continue
		}
		od, _ := r.old.Dict(p)
		cd, _ := r.cur.Dict(p)
		if !r.changed[p.Num] {
			// An indirect /Annots array changes without its page.
			if a, ok := cd["Annots"].(pdf.Ref); ok && r.changed[a.Num] && r.equalIn(od["Annots"], cd["Annots"]) {
				r.annotList(i+1, od["Annots"], cd["Annots"])
			}
			continue
		}
		r.changed[p.Num] = false
		if od == nil || cd == nil {
			r.other("page-key", i+1, "Type")
			continue
		}
		for _, k := range keysOf(od, cd) {
			switch {
			case k == "Annots":
				r.annotList(i+1, od[k], cd[k])
			case r.equalIn(od[k], cd[k]):
			case k == "Contents":
				r.other("page-content", i+1)
				r.accept(cd[k])
			case k == "Resources":
				r.other("page-res", i+1)
				r.accept(cd[k])
			default:
				r.other("page-key", i+1, k)
				r.accept(cd[k])
			}
		}
	}
}

// annotList: annotations of the signed revision stay; a new one is a signature widget (a), an
// annotation the DocMDP level allows (b: P = 3 for annotations), or a change (c).
func (r *revision) annotList(page int, oa, ca pdf.Object) {
	r.judged(oa, ca)
	before := map[int]bool{}
	for _, a := range refsIn(r.old, oa) {
		before[a.Num] = true
	}
	now := map[int]bool{}
	for _, a := range refsIn(r.cur, ca) {
		now[a.Num] = true
		if before[a.Num] {
			continue
		}
		d, _ := r.cur.Dict(a)
		sub := d.Name("Subtype")
		switch {
		case r.isNew(a.Num) && sub == "Widget" && r.isSigWidget(a.Num, d):
			r.sigWidget(page, a.Num, d)
		case r.isNew(a.Num) && sub != "Widget" && r.perm == 3 && active(d):
			r.other("annot-action", sub, page, a.Num)
		case r.isNew(a.Num) && sub != "Widget" && r.perm == 3:
			r.out = append(r.out, newChange(ChangesAllowed, "annot-add", sub, page, a.Num))
		default:
			r.other("annot-add", sub, page, a.Num)
		}
		r.accept(a)
	}
	for n := range before {
		if !now[n] {
			r.other("annot-del", page, n)
		}
	}
	// The annotations kept keep their order (it is their drawing order, §12.5.2).
	var kept []int
	for _, a := range refsIn(r.cur, ca) {
		if before[a.Num] {
			kept = append(kept, a.Num)
		}
	}
	for i, a := range refsIn(r.old, oa) {
		if i < len(kept) && kept[i] != a.Num {
			r.other("annot-order", page)
			break
		}
	}
}

// objects judges every other object of the signed revision that changed.
func (r *revision) objects() {
	var nums []int
	for n, c := range r.changed {
		if c {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	for _, n := range nums {
		r.object(n)
	}
}

func (r *revision) object(n int) {
	ref := pdf.Ref{Num: n}
	before, _ := r.old.Object(ref)
	now, _ := r.cur.Object(ref)
	od, cd := dictOf(before), dictOf(now)
	keys := changedKeys(od, cd)
	defer r.accept(now)
	if name, ok := r.sigDicts[n]; ok {
		r.other("sig-rewrite", name, n, strings.Join(keys, ", /"))
		return
	}
	if f, ok := r.fields[n]; ok || od.Name("Subtype") == "Widget" {
		if f == nil {
			f = od
		}
		r.field(n, f, od, cd, keys)
		return
	}
	if page, ok := r.annots[n]; ok {
		switch {
		case r.perm == 3 && (!r.equalIn(od["A"], cd["A"]) || !r.equalIn(od["AA"], cd["AA"]) || active(cd) && !active(od)):
			r.other("annot-action", od.Name("Subtype"), page, n)
		case r.perm == 3:
			r.out = append(r.out, newChange(ChangesAllowed, "annot-mod", od.Name("Subtype"), page, n))
		default:
			r.other("annot-mod", od.Name("Subtype"), page, n)
		}
		return
	}
	if r.keep[n] {
		return
	}
	if info, ok := r.old.Trailer["Info"].(pdf.Ref); ok && info.Num == n {
		r.metadata("info", nil)
		r.infoValues(now)
		return
	}
	if oc, _ := r.old.Catalog(); oc != nil {
		if m, ok := oc["Metadata"].(pdf.Ref); ok && m.Num == n {
			r.metadata("metadata", nil)
			return
		}
	}
	switch typ := typeOf(now); {
	case r.contents[n] > 0:
		r.other("page-stream", r.contents[n], n)
	case (typ == "XRef" || typ == "ObjStm") && typeOf(before) == typ:
		// The file's own structure renumbered by an update. Only a cross-reference or object stream
		// of the signed revision may stay one: a viewer draws a content stream, font or image
		// whatever its /Type says, so an object that becomes one is judged like any other.
	default:
		if typ == "" {
			typ = od.Name("Subtype")
		}
		r.other("object-mod", n, typ)
	}
}

// field judges a changed form field or widget of the signed revision: an empty signature field being
// signed (a); a field filled in (/V, /AS, /AP) where the DocMDP level allows it and this signature's
// FieldMDP does not lock it (b); else (c).
func (r *revision) field(n int, f, od, cd pdf.Dict, keys []string) {
	name := fieldName(r.old, f)
	onlyFill := len(keys) > 0 && cd != nil
	for _, k := range keys {
		if k != "V" && k != "AS" && k != "AP" {
			onlyFill = false
		}
	}
	switch {
	case onlyFill && fieldType(r.old, f) == "Sig" && inherited(r.old, od, "V") == nil && cd.Name("Subtype") == "Widget":
		// Its widget now drawn or signed: judged as a new signature widget (an appearance with no
		// signature is (c)).
		r.sigWidget(r.annots[n], n, cd)
	case onlyFill && fieldType(r.old, f) == "Sig" && inherited(r.old, od, "V") == nil:
		r.newSignature(pdf.Ref{Num: n}, cd)
	case onlyFill && fieldType(r.old, f) != "Sig" && r.perm >= 2 && !r.locks(name):
		r.out = append(r.out, newChange(ChangesAllowed, "fill", name, n))
	case onlyFill && fieldType(r.old, f) != "Sig" && r.perm >= 2:
		r.other("fill-locked", name, n)
	default:
		r.other("field-mod", name, n, strings.Join(keys, ", /"))
	}
}

// walk visits every object the current catalog reaches. A new object is fine only when an accepted
// change brought it; reached from an object of the signed revision that did not change, it is a number
// that was undefined (null) when signed and now means something: a change.
func (r *revision) walk(cat pdf.Dict) {
	seen := map[int]bool{}
	var queue []pdf.Object
	queue = append(queue, cat, r.cur.Trailer["Info"])
	root, _ := r.cur.Trailer["Root"].(pdf.Ref)
	parentOld := []bool{r.cur.Same(r.old, root.Num), false}
	for len(queue) > 0 {
		o, fromOld := queue[0], parentOld[0]
		queue, parentOld = queue[1:], parentOld[1:]
		if len(seen) > maxWalk {
			r.other("too-large")
			return
		}
		ref, isRef := o.(pdf.Ref)
		if isRef {
			if seen[ref.Num] || !r.cur.Has(ref.Num) {
				continue
			}
			seen[ref.Num] = true
			if r.isNew(ref.Num) {
				if r.accepted[ref.Num] {
					continue
				}
				d, _ := r.cur.Dict(ref)
				if fromOld {
					r.other("object-def", ref.Num, d.Name("Type"))
				} else {
					r.other("object-new", ref.Num, d.Name("Type"))
				}
				r.accept(ref)
				continue
			}
			var err error
			if o, err = r.cur.Object(ref); err != nil {
				continue
			}
		}
		old := fromOld // a direct object belongs to the object holding it
		if isRef {
			old = r.cur.Same(r.old, ref.Num)
		}
		for _, child := range children(o) {
			queue = append(queue, child)
			parentOld = append(parentOld, old)
		}
	}
}

// children are the values directly inside an object (a stream's dictionary's).
func children(o pdf.Object) []pdf.Object {
	switch v := o.(type) {
	case pdf.Dict:
		out := make([]pdf.Object, 0, len(v))
		for _, k := range sortedKeys(v) {
			out = append(out, v[pdf.Name(k)])
		}
		return out
	case *pdf.Stream:
		return children(v.Dict)
	case pdf.Array:
		return v
	}
	return nil
}

// closure is the set of objects of d reachable from o, not entering objects that older defines
// (older nil: no limit), bounded by maxWalk.
func closure(d, older *pdf.Document, o pdf.Object) map[int]bool {
	out := map[int]bool{}
	queue := []pdf.Object{o}
	for len(queue) > 0 && len(out) < maxWalk {
		o, queue = queue[0], queue[1:]
		if ref, ok := o.(pdf.Ref); ok {
			if out[ref.Num] || (older != nil && older.Has(ref.Num)) || !d.Has(ref.Num) {
				continue
			}
			out[ref.Num] = true
			var err error
			if o, err = d.Object(ref); err != nil {
				continue
			}
		}
		queue = append(queue, children(o)...)
	}
	return out
}

// refsIn lists the references in an array (itself possibly referenced).
func refsIn(d *pdf.Document, o pdf.Object) []pdf.Ref {
	a, _ := d.Resolve(o)
	arr, _ := a.(pdf.Array)
	var out []pdf.Ref
	for _, x := range arr {
		if r, ok := x.(pdf.Ref); ok {
			out = append(out, r)
		}
	}
	return out
}

func keysOf(a, b pdf.Dict) []pdf.Name {
	set := map[pdf.Name]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	var out []pdf.Name
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// changedKeys names the keys whose values differ (a dictionary turned into something else: "Type").
func changedKeys(a, b pdf.Dict) []string {
	if a == nil || b == nil {
		return []string{"Type"}
	}
	var out []string
	for _, k := range keysOf(a, b) {
		if !bytes.Equal(pdf.Serialize(a[k]), pdf.Serialize(b[k])) {
			out = append(out, string(k))
		}
	}
	if len(out) == 0 {
		out = append(out, "Length") // same dictionary, different stream data
	}
	return out
}

func sortedKeys(d pdf.Dict) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
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
