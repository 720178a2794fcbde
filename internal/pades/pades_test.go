package pades

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// input is one unsigned test PDF.
type input struct {
	name string
	data []byte
}

// inputs are the corpus files (other producers) and the generated cross-reference styles.
func inputs(t testing.TB) []input {
	t.Helper()
	var out []input
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.pdf"))
	if err != nil || len(files) < 5 {
		t.Fatalf("corpus missing (%v): run testdata/make-corpus.sh", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, input{strings.TrimSuffix(filepath.Base(f), ".pdf"), b})
	}
	for _, s := range []string{"table", "stream", "hybrid", "hybrid-word", "incremental", "rotated", "docmdp2"} {
		out = append(out, input{"gen-" + s, genPDF(s)})
	}
	return out
}

// signBytes signs data and returns the whole signed file, checking the API's promises: one card
// signature, the original bytes untouched as the prefix, and Parts = [source, tail].
func signBytes(t testing.TB, id *signtest.Identity, data []byte, opts Options) []byte {
	t.Helper()
	cs := &signtest.CountingSigner{Signer: id.Key}
	opts.Chain = id.Chain
	res, err := Sign(context.Background(), docio.Bytes(data), cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Calls != 1 {
		t.Fatalf("card asked to sign %d times", cs.Calls)
	}
	var buf bytes.Buffer
	if err := docio.WriteParts(&buf, docio.Bytes(data), res.Parts); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.Equal(out[:len(data)], data) || !bytes.Equal(out[len(data):], res.Tail) {
		t.Fatal("signed file is not original + tail")
	}
	if res.ByteRange[2]+res.ByteRange[3] != int64(len(out)) {
		t.Fatalf("byte range %v does not reach the end (%d)", res.ByteRange, len(out))
	}
	return out
}

var fixedTime = time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// TestSignAndVerifyOwn: every input signs, then signs again; our verifier finds both signatures with
// integrity, a sound byte range and a valid chain, the first marked as followed by a later revision.
func TestSignAndVerifyOwn(t *testing.T) {
	pki := signtest.NewPKI(t)
	anchors := cms.StaticAnchors{pki.Root.Cert()}
	for _, in := range inputs(t) {
		t.Run(in.name, func(t *testing.T) {
			once := signBytes(t, pki.Signer, in.data, Options{Time: fixedTime, Reason: "Approvazione"})
			twice := signBytes(t, pki.ECSigner, once, Options{Time: fixedTime.Add(time.Hour),
				Visible: &Appearance{Page: 1, Left: 300, Bottom: 60, Width: 220, Height: 50}})
			rep, err := Verify(docio.Bytes(twice), cms.VerifyOptions{Anchors: anchors})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != 2 {
				t.Fatalf("%d signatures found", len(rep.Signatures))
			}
			for i, s := range rep.Signatures {
				if !s.Valid() || !s.CAdESBES || len(s.Problems) > 0 {
					t.Fatalf("signature %d: %+v", i, s)
				}
			}
			first, second := rep.Signatures[0], rep.Signatures[1]
			if first.Signer != "ROSSI MARIO" || !first.ChangedAfter || first.LaterSignatures != 1 || first.CoversWholeFile ||
				first.LaterChanges != ChangesSignatures || second.LaterChanges != ChangesNone {
				t.Fatalf("first: %+v", first)
			}
			if second.Signer != "BIANCHI ANNA" || !second.CoversWholeFile || second.ChangedAfter {
				t.Fatalf("second: %+v", second)
			}
			if !first.ClaimedTime.Equal(fixedTime) {
				t.Fatalf("claimed time %v", first.ClaimedTime)
			}
			if dir := os.Getenv("PONTE_KEEP"); dir != "" {
				os.WriteFile(filepath.Join(dir, in.name+".signed.pdf"), once, 0o644)
				os.WriteFile(filepath.Join(dir, in.name+".signed2.pdf"), twice, 0o644)
			}
		})
	}
}

// TestChangedAfterSigning: an update that changes the page after the signature is reported as
// ChangesOther naming the page, while the signature itself stays intact.
func TestChangedAfterSigning(t *testing.T) {
	pki := signtest.NewPKI(t)
	for _, style := range []string{"table", "stream"} {
		signed := signBytes(t, pki.Signer, genPDF(style), Options{})
		doc, err := pdf.Open(docio.Bytes(signed))
		if err != nil {
			t.Fatal(err)
		}
		page, err := doc.Page(1)
		if err != nil {
			t.Fatal(err)
		}
		u := doc.NewUpdate()
		pd := page.Dict.Clone()
		pd["Rotate"] = int64(90)
		u.Set(page.Ref, pd)
		tail, err := u.Build()
		if err != nil {
			t.Fatal(err)
		}
		changed := append(bytes.Clone(signed), tail.Bytes...)
		rep, err := Verify(docio.Bytes(changed), cms.VerifyOptions{})
		if err != nil || len(rep.Signatures) != 1 {
			t.Fatal(err)
		}
		s := rep.Signatures[0]
		if !s.IntegrityOK || !s.ChangedAfter || s.LaterChanges != ChangesOther || len(s.LaterChangeDetails) != 1 ||
			!strings.Contains(s.LaterChangeDetails[0], "page") {
			t.Fatalf("%s: %+v", style, s)
		}
	}
}
