//go:build js && wasm

package docio

import (
	"bytes"
	"crypto/sha256"
	"syscall/js"
	"testing"
)

// TestBlobSource (run under Node with `GOOS=js GOARCH=wasm go test -exec=$(go env GOROOT)/lib/wasm/go_js_wasm_exec
// ./internal/docio`): a JavaScript Blob read by slices hashes to the same digest as its bytes, reads
// past the end give io.EOF, and ranges in the middle come back exactly.
func TestBlobSource(t *testing.T) {
	data := make([]byte, 3*ChunkSize+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	u := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u, data)
	b, err := NewBlob(js.Global().Get("Blob").New([]any{u}))
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != int64(len(data)) {
		t.Fatalf("size %d", b.Size())
	}
	h := sha256.New()
	if err := HashRanges(h, b, Range{0, b.Size()}); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("digest differs")
	}
	mid, err := ReadRange(b, Range{ChunkSize - 3, 10})
	if err != nil || !bytes.Equal(mid, data[ChunkSize-3:ChunkSize+7]) {
		t.Fatal("range differs", err)
	}
	if _, err := ReadRange(b, Range{b.Size() - 5, 10}); err == nil {
		t.Fatal("read past the end accepted")
	}
	if _, err := NewBlob(js.ValueOf(42)); err == nil {
		t.Fatal("a number accepted as a Blob")
	}
}
