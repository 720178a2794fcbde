package pades

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestSignIntoExistingField: a form's empty signature field is filled (no new field), with our
// appearance in the field's own box; pdfsig, mutool, qpdf and pdfcpu accept it and pdfsig names the
// field; a second signature into the same field, an unknown field and a missing name are refused.
func TestSignIntoExistingField(t *testing.T) {
	pki, _ := crlServer(t)
	v := newVerifiers(t, pki)
	data := genPDF("sigfield")
	signed := signBytes(t, pki.Signer, data, Options{Field: "Firma del richiedente"})
	file := filepath.Join(t.TempDir(), "field.pdf")
	os.WriteFile(file, signed, 0o644)
	v.check(t, file, 1)
	if out := run(t, v.pdfsig, "-nssdir", "sql:"+v.nssDir, file); !strings.Contains(out, "  - Signature Field Name: Firma del richiedente\n") {
		t.Fatalf("pdfsig:\n%s", out)
	}
	checkRendered(t, v.mutool, file, signed, Appearance{Page: 1, Left: 350, Bottom: 50, Width: 200, Height: 60})
	rep, err := Verify(docio.Bytes(signed), cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil || len(rep.Signatures) != 1 || rep.Signatures[0].Field != "Firma del richiedente" || !rep.Signatures[0].Valid() {
		t.Fatalf("%v %+v", err, rep)
	}
	for name, in := range map[string][]byte{"Firma del richiedente": signed, "Firma del tecnico": data} {
		cs := &signtest.CountingSigner{Signer: pki.Signer.Key}
		_, err := Sign(context.Background(), docio.Bytes(in), cs, Options{Chain: pki.Signer.Chain, Field: name})
		if signerr.CodeOf(err) != signerr.BadInput || cs.Calls != 0 {
			t.Fatalf("field %q: %v (card calls %d)", name, err, cs.Calls)
		}
	}
}
