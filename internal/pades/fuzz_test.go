package pades

import (
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// FuzzLaterChanges: whatever is appended after a signed revision (incremental updates, object and
// cross-reference streams, junk), the change analysis never panics or hangs, the signed revision still
// verifies, and the signature is never said to cover the whole file (ChangesNone) when bytes follow it.
func FuzzLaterChanges(f *testing.F) {
	pki := signtest.NewPKI(f)
	signed := signBytes(f, pki.Signer, genPDF("table"), Options{Time: fixedTime})
	f.Add([]byte("\n4 0 obj\n<</Length 8>>\nstream\n0 0 m f\nendstream\nendobj\nxref\n0 1\n0000000000 65535 f \n4 1\n0000009999 00000 n \ntrailer\n<</Size 7/Root 1 0 R/Prev 9999>>\nstartxref\n9999\n%%EOF\n"))
	f.Add([]byte("\n1 0 obj\n<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(x)>>>>\nendobj\n"))
	f.Add([]byte("\n   \r\n\x00"))
	f.Fuzz(func(t *testing.T, tail []byte) {
		file := append(append([]byte(nil), signed...), tail...)
		rep, err := Verify(docio.Bytes(file), cms.VerifyOptions{})
		if err != nil {
			return // the appended bytes broke the file beyond reading: reported as an error
		}
		for _, s := range rep.Signatures {
			if s.ByteRange[2]+s.ByteRange[3] != int64(len(signed)) {
				continue // a signature the appended bytes brought
			}
			if !s.IntegrityOK || !s.ByteRangeOK {
				t.Fatalf("appending bytes broke the signed revision: %+v", s.Problems)
			}
			if len(tail) > 0 && s.LaterChanges == ChangesNone {
				t.Fatalf("%d bytes follow the signature, class None", len(tail))
			}
		}
	})
}

// FuzzVerifyPDF: Verify (and so the change analysis) never panics or hangs on arbitrary files.
func FuzzVerifyPDF(f *testing.F) {
	pki := signtest.NewPKI(f)
	f.Add(signBytes(f, pki.Signer, genPDF("stream"), Options{Time: fixedTime}))
	f.Add(genPDF("hybrid"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Verify(docio.Bytes(b), cms.VerifyOptions{})
	})
}
