package main

import (
	"fmt"
	"path/filepath"

	"github.com/ponte-it/ponte/internal/pades"
)

// The published attack classes on PDF signatures, as corpus cases: Mladenov et al. 2019 (incremental
// saving), Mainka et al. 2021 (shadow attacks), Rohlmann et al. 2021 (Evil Annotation, Sneaky
// Signature). Each is made by MuPDF's JavaScript (incremental save) or a raw append on a Ponte-signed
// file; none keeps the first signature "only signatures".

// jsWidget builds a widget on page 1 whose appearance whites out the page and prints a new amount;
// %s adds keys to it (a signature field's /FT, a /V, actions); %s is then run with w (its reference).
const jsWidget = `function N(n) { return doc.newName(n); }
function A(a) { var x = doc.newArray(); for (var i = 0; i < a.length; i++) x.push(a[i]); return x; }
var pg = doc.findPage(0);
var font = doc.newDictionary(); font.put("Type", N("Font")); font.put("Subtype", N("Type1")); font.put("BaseFont", N("Helvetica"));
var fd = doc.newDictionary(); fd.put("Helv", doc.addObject(font));
var res = doc.newDictionary(); res.put("Font", fd);
var apd = doc.newDictionary(); apd.put("Type", N("XObject")); apd.put("Subtype", N("Form")); apd.put("BBox", A([0, 0, 595, 842])); apd.put("Resources", res);
var apn = doc.newDictionary(); apn.put("N", doc.addStream("1 1 1 rg 0 0 595 842 re f 0 g BT /Helv 24 Tf 72 700 Td (IMPORTO: 1.000.000 EUR) Tj ET", apd));
var w = doc.newDictionary(); w.put("Type", N("Annot")); w.put("Subtype", N("Widget")); w.put("Rect", A([0, 0, 595, 842]));
w.put("F", 4); w.put("P", pg); w.put("AP", apn); w.put("T", doc.newString("Firma2"));
function fakeSig() { var v = doc.newDictionary(); v.put("Type", N("Sig")); v.put("Filter", N("Adobe.PPKLite")); v.put("SubFilter", N("adbe.pkcs7.detached"));
  v.put("ByteRange", A([0, 1, 2, 999999999])); v.put("Contents", doc.newByteString("\x00")); return doc.addObject(v); }
function jsAction() { var a = doc.newDictionary(); a.put("S", N("JavaScript")); a.put("JS", doc.newString("app.alert('pagato')")); var aa = doc.newDictionary(); aa.put("PO", a); return aa; }
%s
var wr = doc.addObject(w);
var annots = pg.get("Annots"); if (!annots.isArray()) { annots = doc.newArray(); pg.put("Annots", annots); } annots.push(wr);
%s`

// jsRole rewrites page 1's content stream c (a black page).
const jsRole = `var c = doc.findPage(0).get("Contents"); if (c.isArray()) c = c.get(0); c.writeStream("0 0 0 rg 0 0 595 842 re f");
`

// jsEmptySig adds an empty signature field "Vuota" with a box on page 1 and no appearance; jsDrawEmpty
// gives it one that claims a signature.
const (
	jsEmptySig = `var pg = doc.findPage(0);
var w = doc.newDictionary(); w.put("Type", doc.newName("Annot")); w.put("Subtype", doc.newName("Widget")); w.put("FT", doc.newName("Sig"));
w.put("T", doc.newString("Vuota")); var r = doc.newArray(); r.push(300); r.push(60); r.push(520); r.push(110); w.put("Rect", r); w.put("F", 4); w.put("P", pg);
var wr = doc.addObject(w); var an = doc.newArray(); an.push(wr); pg.put("Annots", an);
var fs = doc.newArray(); fs.push(wr); var af = doc.newDictionary(); af.put("Fields", fs); doc.getTrailer().get("Root").put("AcroForm", af);`
	jsDrawEmpty = `var an = doc.findPage(0).get("Annots");
for (var i = 0; i < an.length; i++) { var w = an.get(i); if (w.get("T").asString() == "Vuota") {
  var d = doc.newDictionary(); d.put("Type", doc.newName("XObject")); d.put("Subtype", doc.newName("Form")); var bb = doc.newArray(); bb.push(0); bb.push(0); bb.push(220); bb.push(50); d.put("BBox", bb);
  var ap = doc.newDictionary(); ap.put("N", doc.addStream("0 0 1 rg 0 0 220 50 re f", d)); w.put("AP", ap); } }`
)

// inFields lists the widget wr in the AcroForm's /Fields.
const inFields = `doc.getTrailer().get("Root").get("AcroForm").get("Fields").push(wr);`

func attackCases() []changeCase {
	gs := func(b *changeBed) string {
		return b.ponteSign(filepath.Join(b.corpus, "ghostscript.pdf"), b.path("gs.signed.pdf"))
	}
	form := func(perm int) func(b *changeBed) string {
		return func(b *changeBed) string {
			name := fmt.Sprintf("cert%d", perm)
			return b.ponteSign(b.formPDF(name, perm), b.path(name+".signed.pdf"))
		}
	}
	mut := func(base func(*changeBed) string, script, out string) func(*changeBed) string {
		return func(b *changeBed) string { return b.mutoolRun(script, base(b), b.path(out)) }
	}
	widget := func(base func(*changeBed) string, keys, after, out string) func(*changeBed) string {
		return func(b *changeBed) string {
			return b.mutoolRun(fmt.Sprintf(jsWidget, keys, after), base(b), b.path(out))
		}
	}
	return []changeCase{
		// Sneaky Signature: an unsigned signature field whose widget draws over the page.
		{name: "sneaky-empty-sig-field", make: widget(gs, `w.put("FT", N("Sig"));`, inFields, "sneaky-empty.pdf"),
			want: pades.ChangesOther, detail: "firma"},
		// A "signature" widget holding a signature dictionary nobody signed, not in /Fields: not verified
		// as a signature at all, yet it draws.
		{name: "sneaky-fake-sig-not-in-fields", make: widget(gs, `w.put("FT", N("Sig")); w.put("V", fakeSig());`, "", "sneaky-fake.pdf"),
			want: pades.ChangesOther, detail: "firma"},
		// A signature field with an action run when the page opens.
		{name: "sig-field-page-open-js", make: widget(gs, `w.put("FT", N("Sig")); w.put("V", fakeSig()); w.put("AA", jsAction()); w.put("Rect", A([0, 0, 0, 0]));`, inFields, "sig-aa.pdf"),
			want: pades.ChangesOther, detail: "azione"},
		// Evil Annotation with JavaScript on a document certified P = 3 (annotations allowed, actions not).
		{name: "evil-annotation-js-p3", make: func(b *changeBed) string {
			return b.mutoolRun(jsNote+"\nvar x = doc.newDictionary(); x.put(\"S\", doc.newName(\"JavaScript\")); x.put(\"JS\", doc.newString(\"app.alert(1)\")); var aa = doc.newDictionary(); aa.put(\"PO\", x); a.getObject().put(\"AA\", aa);",
				form(3)(b), b.path("evil-js.pdf"))
		}, want: pades.ChangesOther, detail: "azione"},
		// A further signature on a document certified with no changes allowed (P = 1), by poppler.
		{name: "pdfsig-on-certified-p1", make: func(b *changeBed) string {
			// poppler lists its field in /Fields only when the AcroForm is an indirect object.
			base := b.mutoolRun(`var r = doc.getTrailer().get("Root"); r.put("AcroForm", doc.addObject(r.get("AcroForm")));`,
				b.formPDF("cert1", 1), b.path("cert1.indirect.pdf"))
			first := b.pdfsigSign(base, b.path("cert1.signed.pdf"))
			return b.pdfsigSign(first, b.path("p1-pdfsig.pdf"))
		}, want: pades.ChangesOther, detail: "certificato"},
		// Type confusion: the page's content stream redefined with /Type /ObjStm (viewers draw it anyway).
		{name: "raw-content-as-objstm", make: func(b *changeBed) string {
			in := gs(b)
			return rawUpdate(b.t, in, b.path("objstm-confused.pdf"), map[int]string{contentObj(b, in): "<</Type/ObjStm/N 0/First 0/Length 20>>\nstream\n0 0 0 rg 0 0 99 99 re f\nendstream"}, nil)
		}, want: pades.ChangesOther, detail: "pagina 1"},
		{name: "raw-font-as-xref", make: func(b *changeBed) string {
			in := gs(b)
			return rawUpdate(b.t, in, b.path("xref-confused.pdf"), map[int]string{8: "<</Type/XRef/R7 <</Type/Font/Subtype/Type1/BaseFont/Courier>> >>"}, nil)
		}, want: pades.ChangesOther, detail: "oggetto 8"},
		// Role confusion: page 1's content stream, rewritten, is also named where a change is judged
		// by its place (the catalog's /DSS, the form's /DR, page 2's /Annots).
		{name: "content-named-as-dss", make: mut(gs, jsRole+`doc.getTrailer().get("Root").put("DSS", c);`, "role-dss.pdf"),
			want: pades.ChangesOther, detail: "pagina 1"},
		{name: "content-named-as-dr", make: mut(gs, jsRole+`doc.getTrailer().get("Root").get("AcroForm").put("DR", c);`, "role-dr.pdf"),
			want: pades.ChangesOther, detail: "pagina 1"},
		{name: "content-named-as-annots", make: mut(gs, jsRole+`doc.findPage(1).put("Annots", c);`, "role-annots.pdf"),
			want: pades.ChangesOther, detail: "pagina 1"},
		// An empty signature field of the signed revision given an appearance and no signature.
		{name: "empty-sig-field-drawn", make: func(b *changeBed) string {
			base := b.mutoolRun(jsEmptySig, filepath.Join(b.corpus, "ghostscript.pdf"), b.path("emptysig.pdf"))
			signed := b.ponteSign(base, b.path("emptysig.signed.pdf"))
			return b.mutoolRun(jsDrawEmpty, signed, b.path("emptysig.drawn.pdf"))
		}, want: pades.ChangesOther, detail: "Vuota"},
		// Optional content switched off by a later catalog (held when tried); the Info dictionary given
		// a catalog's keys and an /OpenAction (mutool keeps the trailer's /Root: no viewer runs it, but
		// it is not metadata either, so it is (c) rather than an Info change).
		{name: "ocg-off", make: mut(gs, `var g = doc.newDictionary(); g.put("Type", doc.newName("OCG")); g.put("Name", doc.newString("Importo")); var gr = doc.addObject(g);
var all = doc.newArray(); all.push(gr); var d = doc.newDictionary(); d.put("OFF", all); var oc = doc.newDictionary(); oc.put("OCGs", all); oc.put("D", d);
doc.getTrailer().get("Root").put("OCProperties", oc);`, "ocg.pdf"), want: pades.ChangesOther, detail: "/OCProperties"},
		{name: "info-becomes-catalog", make: mut(gs, `var t = doc.getTrailer(); var r = t.get("Root"); var i = t.get("Info");
var ks = ["Type", "Pages", "AcroForm", "Metadata"]; for (var k = 0; k < ks.length; k++) i.put(ks[k], r.get(ks[k]));
var a = doc.newDictionary(); a.put("S", doc.newName("JavaScript")); a.put("JS", doc.newString("app.alert(1)")); i.put("OpenAction", a); t.put("Root", i);`, "infocat.pdf"),
			want: pades.ChangesOther, detail: "/OpenAction"},
		// Sneaky Signature, a real one: a signature field in /Fields with a value (here one that does not
		// verify, and is reported invalid on its own) whose widget covers the page: still a signature,
		// named with its box.
		{name: "sneaky-visible-sig-in-fields", make: widget(gs, `w.put("FT", N("Sig")); w.put("V", fakeSig());`, inFields, "sneaky-visible.pdf"),
			want: pades.ChangesSignatures, warn: true, detail: "Firma2"},
	}
}
