package docio

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestRangesAndParts: hashing and copying ranges across chunk boundaries equals doing it on the bytes;
// out-of-range reads fail; Section hides what lies past its end; WriteParts assembles literal and
// source parts in order.
func TestRangesAndParts(t *testing.T) {
	data := make([]byte, 2*ChunkSize+777)
	for i := range data {
		data[i] = byte(i % 251)
	}
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, data, 0o644)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, src := range []Source{Bytes(data), f} {
		rs := []Range{{0, 10}, {ChunkSize - 5, ChunkSize + 10}, {int64(len(data)) - 3, 3}}
		h := sha256.New()
		if err := HashRanges(h, src, rs...); err != nil {
			t.Fatal(err)
		}
		var want []byte
		for _, r := range rs {
			want = append(want, data[r.Off:r.End()]...)
		}
		if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Fatal("hash differs")
		}
		if err := HashRanges(sha256.New(), src, Range{int64(len(data)) - 1, 2}); err == nil {
			t.Fatal("range past the end accepted")
		}
		var out bytes.Buffer
		parts := []Part{{Data: []byte("head")}, SourcePart(5, 7), {Data: []byte("tail")}}
		if err := WriteParts(&out, src, parts); err != nil || out.String() != "head"+string(data[5:12])+"tail" || PartsSize(parts) != 15 {
			t.Fatalf("%q %v", out.String(), err)
		}
	}
	s := NewSection(Bytes(data), 100)
	buf := make([]byte, 50)
	if n, err := s.ReadAt(buf, 80); n != 20 || err != io.EOF {
		t.Fatalf("section read %d %v", n, err)
	}
	if _, err := ReadRange(s, Range{90, 20}); err == nil {
		t.Fatal("read past the section accepted")
	}
}
