//go:build js && wasm

package pades

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall/js"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestSignBlobInWASM runs in js/wasm under Node (GOOS=js GOARCH=wasm go test
// -exec=$(go env GOROOT)/lib/wasm/go_js_wasm_exec ./internal/pades): the PDF is a JavaScript Blob read
// by slices, the output is assembled as a Blob [original, tail] as the extension will, and the result
// read back from that Blob verifies.
func TestSignBlobInWASM(t *testing.T) {
	pki := signtest.NewPKI(t)
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "chromium.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	u := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u, data)
	blob := js.Global().Get("Blob").New([]any{u})
	src, err := docio.NewBlob(blob)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Sign(context.Background(), src, pki.Signer.Key, Options{Chain: pki.Signer.Chain,
		Visible: &Appearance{Page: 1, Left: 50, Bottom: 50, Width: 200, Height: 50}})
	if err != nil {
		t.Fatal(err)
	}
	tail := js.Global().Get("Uint8Array").New(len(res.Tail))
	js.CopyBytesToJS(tail, res.Tail)
	signedBlob := js.Global().Get("Blob").New([]any{blob, tail})
	signed, err := docio.NewBlob(signedBlob)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(signed, cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid() || !rep.Signatures[0].CoversWholeFile {
		t.Fatalf("%v %+v", err, rep)
	}
	head, _ := docio.ReadRange(signed, docio.Range{Off: 0, Len: int64(len(data))})
	if !bytes.Equal(head, data) {
		t.Fatal("original bytes changed")
	}
}
