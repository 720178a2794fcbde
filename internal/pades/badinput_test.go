package pades

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestBadInput: each kind of unsignable file gets its own error code with Italian and English text,
// the card is never asked to sign, and nothing is returned to write.
func TestBadInput(t *testing.T) {
	pki := signtest.NewPKI(t)
	gs, err := os.ReadFile(filepath.Join("testdata", "corpus", "ghostscript.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	table := genPDF("table")
	i := bytes.LastIndex(table, []byte("startxref\n")) + len("startxref\n")
	wrongStart := append(append([]byte(nil), table[:i]...), "17\n%%EOF\n"...)
	j := bytes.Index(table, []byte("xref\n0 6\n")) + len("xref\n0 6\n")
	garbledEntries := bytes.Clone(table)
	copy(garbledEntries[j+20:], "zz garbage entry zz\n")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 2000)...)
	cases := []struct {
		name string
		data []byte
		want signerr.Code
	}{
		{"encrypted", genPDF("encrypted"), signerr.Encrypted},
		{"certified-no-changes", genPDF("docmdp"), signerr.Certified},
		{"png-named-pdf", png, signerr.NotPDF},
		{"text-named-pdf", []byte("Gentile cliente, in allegato la fattura.\n"), signerr.NotPDF},
		{"truncated", gs[:len(gs)*6/10], signerr.Truncated},
		{"startxref-wrong", wrongStart, signerr.BadXref},
		{"xref-entries-garbled", garbledEntries, signerr.BadXref},
		{"empty", nil, signerr.NotPDF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := &signtest.CountingSigner{Signer: pki.Signer.Key}
			res, err := Sign(context.Background(), docio.Bytes(c.data), cs, Options{Chain: pki.Signer.Chain})
			if err == nil || res != nil {
				t.Fatal("signed an unsignable file")
			}
			if got := signerr.CodeOf(err); got != c.want {
				t.Fatalf("code %q, want %q (%v)", got, c.want, err)
			}
			var se *signerr.Error
			if !asSignErr(err, &se) || se.IT == "" || se.EN == "" || se.IT == se.EN {
				t.Fatalf("message not in both languages: %v", err)
			}
			if cs.Calls != 0 {
				t.Fatal("card asked to sign")
			}
			rep, err := Verify(docio.Bytes(c.data), VerifyOptionsNone)
			switch c.want {
			case signerr.BadXref: // read by scanning for verification, and said so
				if err != nil || !rep.Repaired || len(rep.Signatures) != 0 {
					t.Fatalf("verification of a damaged xref: %+v %v", rep, err)
				}
			case signerr.NotPDF, signerr.Truncated:
				if signerr.CodeOf(err) != c.want {
					t.Fatalf("verification: %v", err)
				}
			}
		})
	}
	if !strings.Contains(signerr.New(signerr.NotPDF, "a", "b", nil).Error(), "a / b") {
		t.Fatal("error text format")
	}
}

// TestVerifyDamagedXref: a signed file followed by a broken update (bad cross-reference, wrong
// startxref) is read by scanning for verification: the signature is found intact, the report says the
// file was repaired and changed after signing; signing such a file is refused.
func TestVerifyDamagedXref(t *testing.T) {
	pki := signtest.NewPKI(t)
	signed := signBytes(t, pki.Signer, genPDF("stream"), Options{})
	broken := append(bytes.Clone(signed), "9 0 obj\n<</Junk true>>\nendobj\nxref\n0 1\ngarbage\nstartxref\n123456789\n%%EOF\n"...)
	if _, err := Sign(context.Background(), docio.Bytes(broken), pki.Signer.Key, Options{Chain: pki.Signer.Chain}); signerr.CodeOf(err) != signerr.BadXref {
		t.Fatalf("signing a damaged file: %v", err)
	}
	rep, err := Verify(docio.Bytes(broken), VerifyOptionsNone)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Repaired || len(rep.Signatures) != 1 {
		t.Fatalf("%+v", rep)
	}
	s := rep.Signatures[0]
	if !s.IntegrityOK || !s.ByteRangeOK || !s.ChangedAfter || s.CoversWholeFile {
		t.Fatalf("%+v", s)
	}
}
