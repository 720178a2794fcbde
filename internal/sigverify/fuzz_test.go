package sigverify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"net/http/httptest"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/tsp"
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
	// Seeds reaching the other verdict paths, so the fuzzer starts from them rather than rediscovering
	// them: a signature time stamp (a TSA on loopback, asked once here), two parallel signers, a nested
	// envelope, a PDF signature with a time stamp.
	srv := httptest.NewServer(&tsp.Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: asn1.ObjectIdentifier{1, 2, 3, 4}})
	defer srv.Close()
	ts := &tsp.Client{URL: srv.URL, Anchors: opts.Anchors}
	parts, err = cms.SignFile(context.Background(), content, pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, ts)
	stamped := write(content, parts, err)
	par, err := cms.PrepareParallel(docio.Bytes(p7m), cms.SignerOptions{Chain: pki.ECSigner.Chain})
	if err != nil {
		f.Fatal(err)
	}
	sig, err := pki.ECSigner.Key.Sign(rand.Reader, par.Digest(), par.Pending.SignerOpts())
	if err != nil {
		f.Fatal(err)
	}
	parts, err = par.Finish(context.Background(), sig, nil)
	parallel := write(docio.Bytes(p7m), parts, err)
	parts, err = cms.SignFile(context.Background(), docio.Bytes(p7m), pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, nil)
	nested := write(docio.Bytes(p7m), parts, err)
	pres, err = pades.Sign(context.Background(), pdfDoc, pki.Signer.Key, pades.Options{Chain: pki.Signer.Chain, TimeStamper: ts})
	if pres != nil {
		pdfParts = pres.Parts
	}
	stampedPDF := write(pdfDoc, pdfParts, err)
	for _, seed := range [][]byte{p7m, []byte(base64.StdEncoding.EncodeToString(p7m)), pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: p7m}),
		signedPDF, stamped, parallel, nested, stampedPDF} {
		f.Add(seed)
	}
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
			// Nothing is VALIDA (without warnings) unchecked for revocation, and the exit code follows the level.
			if sv := s.Verdict(); sv.Level == LevelValid || sv.ExitCode() != map[Level]int{LevelWarnings: 0, LevelNotValid: 1, LevelCannotVerify: 2}[sv.Level] {
				t.Fatalf("verdict %s (exit %d) without a revocation check", sv.Level, sv.ExitCode())
			}
		}
	})
}
