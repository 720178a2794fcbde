package pades

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestUndefinedThenDefined: the signed page draws /X, an object number that is undefined (null, draws
// nothing) when signed; a later update that only defines that number changes the page without touching
// any object of the signed revision, and is class (c).
func TestUndefinedThenDefined(t *testing.T) {
	pki := signtest.NewPKI(t)
	base := genPDF("table")
	doc, err := pdf.Open(docio.Bytes(base))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := doc.Page(1)
	u := doc.NewUpdate()
	content := u.Alloc()
	u.SetStream(content, pdf.Dict{}, []byte("q /X Do Q"))
	pd := page.Dict.Clone()
	pd["Contents"] = content
	pd["Resources"] = pdf.Dict{"XObject": pdf.Dict{"X": pdf.Ref{Num: 50}}}
	u.Set(page.Ref, pd)
	tail, err := u.Build()
	if err != nil {
		t.Fatal(err)
	}
	signed := signBytes(t, pki.Signer, append(bytes.Clone(base), tail.Bytes...), Options{Time: fixedTime})
	prev := bytes.LastIndex(signed, []byte("startxref"))
	var off int
	fmt.Sscan(string(signed[prev+len("startxref"):]), &off)
	root := doc.Trailer["Root"].(pdf.Ref)
	var w bytes.Buffer
	w.Write(signed)
	at := w.Len()
	xo := "<</Type/XObject/Subtype/Form/BBox[0 0 595 842]/Length 43>>\nstream\n1 1 1 rg 0 0 595 842 re f 0 0 0 rg 9 9 m\nendstream"
	fmt.Fprintf(&w, "50 0 obj\n%s\nendobj\n", xo)
	x := w.Len()
	fmt.Fprintf(&w, "xref\n0 1\n0000000000 65535 f \n50 1\n%010d 00000 n \ntrailer\n<</Size 51/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", at, root.Num, off, x)
	rep, err := Verify(docio.Bytes(w.Bytes()), cms.VerifyOptions{})
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !s.IntegrityOK || s.LaterChanges != ChangesOther || !strings.Contains(strings.Join(s.LaterChangeDetails, ";"), "oggetto 50, assente alla firma, ora definito") {
		t.Fatalf("%q %v", s.LaterChanges, s.LaterChangeDetails)
	}
}

// TestDocTimeStampAfterSignature (control): a document time stamp added later (ETSI EN 319 142-1
// §5.4.3: a signature field whose /V is a /DocTimeStamp with an RFC 3161 token over the byte ranges,
// from the test TSA) keeps the earlier signature's class at ChangesSignatures; the time stamp verifies.
func TestDocTimeStampAfterSignature(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("stream"), Options{Time: fixedTime})
	doc, err := pdf.Open(docio.Bytes(signed))
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := doc.Catalog()
	page, _ := doc.Page(1)
	u := doc.NewUpdate()
	field, sig := u.Alloc(), u.Alloc()
	const room = 8192
	u.SetRaw(sig, []byte("<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange[0 0000000000 0000000000 0000000000]/Contents<"+strings.Repeat("0", 2*room)+">>>"))
	u.Set(field, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"), "T": pdf.TextString("Marca"),
		"Rect": pdf.Array{int64(0), int64(0), int64(0), int64(0)}, "F": int64(132), "P": page.Ref, "V": sig})
	pd := page.Dict.Clone()
	annots, _ := doc.Resolve(pd["Annots"])
	pd["Annots"] = append(append(pdf.Array{}, annots.(pdf.Array)...), field)
	u.Set(page.Ref, pd)
	c := cat.Clone()
	af, _ := doc.Dict(c["AcroForm"])
	af = af.Clone()
	fields, _ := doc.Resolve(af["Fields"])
	af["Fields"] = append(append(pdf.Array{}, fields.(pdf.Array)...), field)
	c["AcroForm"] = af
	u.Set(doc.Trailer["Root"].(pdf.Ref), c)
	tail, err := u.Build()
	if err != nil {
		t.Fatal(err)
	}
	file := append(bytes.Clone(signed), tail.Bytes...)
	b := bytes.Index(file[len(signed):], []byte("/Contents<"+strings.Repeat("0", 64))) + len(signed) + len("/Contents")
	cEnd := b + 2*room + 2
	br := fmt.Sprintf("[0 %010d %010d %010d]", b, cEnd, len(file)-cEnd)
	at := bytes.Index(file[len(signed):], []byte("[0 0000000000 0000000000 0000000000]")) + len(signed)
	copy(file[at:], br)
	d, _ := cms.ContentDigest(docio.Bytes(file), docio.Range{Off: 0, Len: int64(b)}, docio.Range{Off: int64(cEnd), Len: int64(len(file) - cEnd)})
	tok, err := startTSA(t, pki).TimeStamp(t.Context(), d)
	if err != nil || 2*len(tok) > 2*room {
		t.Fatal(err)
	}
	copy(file[b+1:], fmt.Sprintf("%X", tok))
	rep, err := Verify(docio.Bytes(file), cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil || len(rep.Signatures) != 2 {
		t.Fatalf("%v %d", err, len(rep.Signatures))
	}
	first, ts := rep.Signatures[0], rep.Signatures[1]
	if !first.Valid() || first.LaterChanges != ChangesSignatures || ts.Kind != "document-timestamp" || !ts.IntegrityOK || !ts.CoversWholeFile {
		t.Fatalf("%q %v; time stamp %+v %v", first.LaterChanges, first.LaterChangeDetails, ts.Kind, ts.Problems)
	}
}

// TestFieldMDPLock: filling a text field after an approval signature is an allowed change (an
// uncertified document is held to DocMDP P = 2); the same filling is class (c) for a signature whose
// FieldMDP (ISO 32000-1 §12.8.2.4) locks the field — /Include naming it, or /All — and allowed when
// /Exclude names it.
func TestFieldMDPLock(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("textfield"), Options{Time: fixedTime})
	doc, err := pdf.Open(docio.Bytes(signed))
	if err != nil {
		t.Fatal(err)
	}
	u := doc.NewUpdate()
	w, _ := doc.Object(pdf.Ref{Num: 6})
	fd := w.(pdf.Dict).Clone()
	fd["V"] = pdf.TextString("Mario Rossi")
	u.Set(pdf.Ref{Num: 6}, fd)
	tail, err := u.Build()
	if err != nil {
		t.Fatal(err)
	}
	file := docio.Bytes(append(bytes.Clone(signed), tail.Bytes...))
	rep, err := Verify(file, cms.VerifyOptions{})
	if err != nil || len(rep.Signatures) != 1 || rep.Signatures[0].LaterChanges != ChangesAllowed {
		t.Fatalf("%v %+v", err, rep.Signatures)
	}
	full, _ := pdf.Open(file)
	lock := func(action string, fields ...string) pdf.Dict {
		arr := pdf.Array{}
		for _, f := range fields {
			arr = append(arr, pdf.TextString(f))
		}
		return pdf.Dict{"Reference": pdf.Array{pdf.Dict{"TransformMethod": pdf.Name("FieldMDP"),
			"TransformParams": pdf.Dict{"Action": pdf.Name(action), "Fields": arr}}}}
	}
	for _, tc := range []struct {
		sig  pdf.Dict
		want string
	}{
		{lock("Include", "Nome"), ChangesOther},
		{lock("All"), ChangesOther},
		{lock("Include", "Cognome"), ChangesAllowed},
		{lock("Exclude", "Nome"), ChangesAllowed},
		{lock("Exclude", "Cognome"), ChangesOther},
	} {
		class, details, _ := laterChanges(file, full, int64(len(signed)), tc.sig)
		if class != tc.want {
			t.Fatalf("%v: %q %v, want %q", tc.sig, class, details, tc.want)
		}
	}
}

// TestManyUpdates: a signed file followed by thousands of small incremental updates (each redefining
// the Info dictionary) is analysed in a bounded number of revision comparisons (maxRevisions), and the
// updates past that bound are a change (c), never skipped as if they were not there. The time and
// memory are measured by hand (docs/signing.md), not asserted here.
func TestManyUpdates(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("table"), Options{Time: fixedTime})
	doc, err := pdf.Open(docio.Bytes(signed))
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Trailer["Root"].(pdf.Ref)
	var w bytes.Buffer
	w.Write(signed)
	prev := int(doc.StartXref)
	const n = 3000 // ~400 KB of updates: all within one 1 MiB chunk of the %%EOF scan
	for i := range n {
		at := w.Len()
		fmt.Fprintf(&w, "%d 0 obj\n<</Title(t%d)>>\nendobj\n", doc.Size(), i)
		x := w.Len()
		fmt.Fprintf(&w, "xref\n%d 1\n%010d 00000 n \ntrailer\n<</Size %d/Root %d 0 R/Info %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n",
			doc.Size(), at, doc.Size()+1, root.Num, doc.Size(), prev, x)
		prev = x
	}
	if got := revisionEnds(docio.Bytes(w.Bytes()), int64(len(signed))); len(got) > maxRevisions {
		t.Fatalf("%d revisions to compare, bound %d", len(got), maxRevisions)
	}
	rep, err := Verify(docio.Bytes(w.Bytes()), cms.VerifyOptions{})
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !s.IntegrityOK || s.LaterChanges != ChangesOther || !strings.Contains(strings.Join(s.LaterChangeDetails, ";"), "non analizzati") {
		t.Fatalf("%q %v", s.LaterChanges, s.LaterChangeDetails)
	}
}
