package pades

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestLaterRevisionCannotReplaceContents: a later incremental update redefines the signature dictionary
// with another /Contents and the same /ByteRange — a CMS by someone else over the very bytes the first
// signer signed, or garbage. The signature of the signed revision is the one in its byte-range gap
// (ISO 32000-1 §12.8.1: the range excludes exactly that revision's /Contents): the verifier reports the
// real signer with integrity, and the redefinition as a later change. Before, it read /Contents from the
// latest revision: another holder's CMS made the report name them as the signer of the first revision,
// and garbage made an intact signature look broken (FuzzLaterChanges' property).
func TestLaterRevisionCannotReplaceContents(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("table"), Options{Time: fixedTime})
	opts := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	rep, err := Verify(docio.Bytes(signed), opts)
	if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid() {
		t.Fatalf("the signed file: %v %+v", err, rep)
	}
	want := rep.Signatures[0]
	br := want.ByteRange

	// Mallory's CMS over the same two ranges.
	h := sha256.New()
	h.Write(signed[br[0] : br[0]+br[1]])
	h.Write(signed[br[2] : br[2]+br[3]])
	ps, err := cms.NewPendingSigner(h.Sum(nil), cms.SignerOptions{Chain: pki.ECSigner.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pki.ECSigner.Key.Sign(rand.Reader, ps.Digest(), ps.SignerOpts())
	if err != nil {
		t.Fatal(err)
	}
	asm := cms.Assembly{SignerInfos: [][]byte{ps.SignerInfo(sig, nil)}}
	asm.AddDigestAlg(cms.OIDSHA256)
	asm.AddCerts(pki.ECSigner.Chain...)
	mallory := asm.Detached()

	for name, contents := range map[string][]byte{"another signer's CMS": mallory, "garbage": bytes.Repeat([]byte{0x30}, 64)} {
		doc, err := pdf.Open(docio.Bytes(signed))
		if err != nil {
			t.Fatal(err)
		}
		fields, err := doc.Fields()
		if err != nil {
			t.Fatal(err)
		}
		ref, ok := fields[0].Dict["V"].(pdf.Ref)
		if !ok {
			t.Fatalf("the signature value is not an indirect object: %v", fields[0].Dict["V"])
		}
		v, err := doc.Dict(ref)
		if err != nil {
			t.Fatal(err)
		}
		v = v.Clone()
		// Padded to the gap's size, so the byte range still looks sound.
		padded := make([]byte, (br[2]-br[1]-2)/2)
		copy(padded, contents)
		v["Contents"] = pdf.String{Bytes: padded, Hex: true}
		u := doc.NewUpdate()
		u.Set(ref, v)
		tail, err := u.Build()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(docio.Bytes(append(bytes.Clone(signed), tail.Bytes...)), opts)
		if err != nil || len(rep.Signatures) != 1 {
			t.Fatalf("%s: %v %+v", name, err, rep)
		}
		s := rep.Signatures[0]
		if s.ByteRange != br || !s.Valid() || s.Signer != want.Signer || !s.Certificate.Equal(want.Certificate) {
			t.Fatalf("%s: the first revision's signature reads as signer %q, integrity %v, chain %s, problems %q; want %q valid",
				name, s.Signer, s.IntegrityOK, s.Chain, s.Problems, want.Signer)
		}
		if !s.ChangedAfter || s.LaterChanges == ChangesNone {
			t.Fatalf("%s: the redefined signature dictionary is not a later change: %+v", name, s)
		}
	}
}

// TestLaterRevisionRedefinesAnyObject: for every object of a signed file (three xref styles), a later
// update that redefines it — each dictionary key removed or set to null, an extra key, the object as it
// was, null, a number, an empty array — leaves the signed revision's signature intact and is never
// "no change" (FuzzLaterChanges' property over the whole file; the signature dictionary without
// /SubFilter or /Type once made the intact signature unsupported).
func TestLaterRevisionRedefinesAnyObject(t *testing.T) {
	pki := signtest.NewPKI(t)
	for _, style := range []string{"table", "stream", "hybrid"} {
		signed := signBytes(t, pki.Signer, genPDF(style), Options{Time: fixedTime})
		doc, err := pdf.Open(docio.Bytes(signed))
		if err != nil {
			t.Fatal(err)
		}
		for num := 1; num < doc.Size(); num++ {
			ref := pdf.Ref{Num: num}
			o, err := doc.Object(ref)
			if _, stream := o.(*pdf.Stream); err != nil || stream {
				continue
			}
			for _, v := range redefinitions(o) {
				u := doc.NewUpdate()
				u.Set(ref, v)
				tail, err := u.Build()
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Verify(docio.Bytes(append(bytes.Clone(signed), tail.Bytes...)), cms.VerifyOptions{})
				if err != nil {
					continue // the update made the file unreadable: reported as an error
				}
				for _, s := range rep.Signatures {
					if s.ByteRange[2]+s.ByteRange[3] != int64(len(signed)) {
						continue
					}
					if !s.IntegrityOK || !s.ByteRangeOK || s.LaterChanges == ChangesNone {
						t.Fatalf("%s: object %d redefined as %.200s: integrity %v, byte range %v, changes %s, problems %q",
							style, num, pdf.Serialize(v), s.IntegrityOK, s.ByteRangeOK, s.LaterChanges, s.Problems)
					}
				}
			}
		}
	}
}

// redefinitions are the replacements TestLaterRevisionRedefinesAnyObject tries for o.
func redefinitions(o pdf.Object) []pdf.Object {
	out := []pdf.Object{nil, int64(7), pdf.Array{}}
	d, ok := o.(pdf.Dict)
	if !ok {
		return out
	}
	for k := range d {
		without, null := d.Clone(), d.Clone()
		delete(without, k)
		null[k] = nil
		out = append(out, without, null)
	}
	extra := d.Clone()
	extra["PonteTest"] = int64(1)
	return append(out, extra, d.Clone())
}

// TestLaterRevisionRepointsSignatureValue: a later update points the signature field at a new copy of
// its dictionary, same /ByteRange, without /SubFilter. The signature is still judged on the dictionary
// the signed revision holds: intact, and the update is a later change.
func TestLaterRevisionRepointsSignatureValue(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("table"), Options{Time: fixedTime})
	doc, err := pdf.Open(docio.Bytes(signed))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := doc.Fields()
	if err != nil || len(fields) != 1 || fields[0].Ref == (pdf.Ref{}) {
		t.Fatalf("fields %+v %v", fields, err)
	}
	v, err := doc.Dict(fields[0].Dict["V"])
	if err != nil {
		t.Fatal(err)
	}
	copied := v.Clone()
	delete(copied, "SubFilter")
	u := doc.NewUpdate()
	ref := u.Alloc()
	u.Set(ref, copied)
	field := fields[0].Dict.Clone()
	field["V"] = ref
	u.Set(fields[0].Ref, field)
	tail, err := u.Build()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(docio.Bytes(append(bytes.Clone(signed), tail.Bytes...)), cms.VerifyOptions{})
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if s := rep.Signatures[0]; !s.IntegrityOK || !s.ByteRangeOK || s.SubFilter != "ETSI.CAdES.detached" || s.LaterChanges == ChangesNone {
		t.Fatalf("integrity %v, byte range %v, subfilter %q, changes %s, problems %q", s.IntegrityOK, s.ByteRangeOK, s.SubFilter, s.LaterChanges, s.Problems)
	}
}
