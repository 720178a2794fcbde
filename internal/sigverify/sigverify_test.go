package sigverify

import (
	"bytes"
	"context"
	"encoding/asn1"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/tsp"
)

func assemble(t *testing.T, src docio.Source, parts []docio.Part) []byte {
	var b bytes.Buffer
	if err := docio.WriteParts(&b, src, parts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// signedP7M is content signed by id as an enveloping .p7m (cms.SignFile, no time stamp).
func signedP7M(t *testing.T, content docio.Source, id *signtest.Identity) []byte {
	parts, err := cms.SignFile(context.Background(), content, id.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: id.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return assemble(t, content, parts)
}

// TestFile: one entry point for a time-stamped .p7m, a .p7s with and without its file, and a PDF;
// each report names the signer, says integrity and chain, and uses the time stamp's time.
func TestFile(t *testing.T) {
	pki := signtest.NewPKI(t)
	srv := httptest.NewServer(&tsp.Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: asn1.ObjectIdentifier{1, 2, 3, 4}})
	defer srv.Close()
	anchors := cms.StaticAnchors{pki.Root.Cert()}
	opts := cms.VerifyOptions{Anchors: anchors}
	ts := &tsp.Client{URL: srv.URL, Anchors: anchors}
	content := docio.Bytes("relazione tecnica")

	parts, err := cms.SignFile(context.Background(), content, pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, ts)
	if err != nil {
		t.Fatal(err)
	}
	p7m := assemble(t, content, parts)
	rep, err := File(docio.Bytes(p7m), nil, opts)
	if err != nil || rep.Format != FormatP7M || len(rep.Signers) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if s := rep.Signers[0]; !s.Valid() || !s.TimeStamped || s.Name != "ROSSI MARIO" || !s.CAdESBES {
		t.Fatalf("%+v", s)
	}

	parts, err = cms.SignFile(context.Background(), content, pki.ECSigner.Key, cms.FileOptions{Detached: true, SignerOptions: cms.SignerOptions{Chain: pki.ECSigner.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7s := assemble(t, content, parts)
	if _, err := File(docio.Bytes(p7s), nil, opts); signerr.CodeOf(err) != signerr.BadInput {
		t.Fatalf("p7s without its file: %v", err)
	}
	rep, err = File(docio.Bytes(p7s), content, opts)
	if err != nil || rep.Format != FormatP7S || !rep.Signers[0].Valid() || rep.Signers[0].TimeStamped {
		t.Fatalf("%v %+v", err, rep)
	}
	rep, _ = File(docio.Bytes(p7s), docio.Bytes("relazione tecnicA"), opts)
	if rep.Signers[0].Integrity {
		t.Fatal("changed file accepted")
	}

	pdf := minimalPDF()
	res, err := pades.Sign(context.Background(), docio.Bytes(pdf), pki.Signer.Key, pades.Options{Chain: pki.Signer.Chain, TimeStamper: ts})
	if err != nil {
		t.Fatal(err)
	}
	signed := assemble(t, docio.Bytes(pdf), res.Parts)
	rep, err = File(docio.Bytes(signed), nil, opts)
	if err != nil || rep.Format != FormatPDF || len(rep.Signers) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if s := rep.Signers[0]; !s.Valid() || !s.TimeStamped || !s.CoversWholeFile || len(s.Problems) != 0 {
		t.Fatalf("%+v", s)
	}
}

// minimalPDF is a one-page PDF with a classic cross-reference table.
func minimalPDF() []byte {
	objs := []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>"}
	b := []byte("%PDF-1.4\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, len(b))
		b = append(b, fmt.Sprintf("%d 0 obj\n%s\nendobj\n", i+1, o)...)
	}
	xref := len(b)
	b = append(b, "xref\n0 4\n0000000000 65535 f\r\n"...)
	for _, o := range offs {
		b = append(b, fmt.Sprintf("%010d 00000 n\r\n", o)...)
	}
	return append(b, fmt.Sprintf("trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", xref)...)
}
