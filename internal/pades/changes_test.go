package pades

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/signtest"
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
