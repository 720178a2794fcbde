package sigverify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/signtest"
)

// FuzzFile: any bytes given to File (a DER, BER, base64 or PEM .p7m, a PDF) give a report or an error,
// never a panic; and a report's verdict is VALIDA only for signatures whose integrity and chain hold.
func FuzzFile(f *testing.F) {
	pki := signtest.NewPKI(f)
	opts := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	write := func(src docio.Source, parts []docio.Part, err error) []byte {
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		if err := docio.WriteParts(&b, src, parts); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	content := docio.Bytes("relazione tecnica")
	p7m := write(content, nil, nil)
	parts, err := cms.SignFile(context.Background(), content, pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, nil)
	p7m = write(content, parts, err)
	pdfDoc := docio.Bytes(minimalPDF())
	pres, err := pades.Sign(context.Background(), pdfDoc, pki.Signer.Key, pades.Options{Chain: pki.Signer.Chain})
	var pdfParts []docio.Part
	if pres != nil {
		pdfParts = pres.Parts
	}
	signedPDF := write(pdfDoc, pdfParts, err)
	f.Add(p7m)
	f.Add([]byte(base64.StdEncoding.EncodeToString(p7m)))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: p7m}))
	f.Add(signedPDF)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := File(docio.Bytes(b), nil, opts)
		if err != nil {
			return
		}
		v := rep.Verdict()
		if v.Level == LevelValid && len(rep.Signers) == 0 {
			t.Fatal("VALIDA without a signature")
		}
		for i := range rep.Signers {
			s := &rep.Signers[i]
			if sv := s.Verdict(); sv.Level == LevelValid && (!s.Integrity || s.Chain != cms.ChainValid) {
				t.Fatalf("VALIDA with integrity %v, chain %s", s.Integrity, s.Chain)
			}
			if rank[s.Verdict().Level] > rank[v.Level] {
				t.Fatal("the document's verdict is better than one of its signatures'")
			}
		}
	})
}
