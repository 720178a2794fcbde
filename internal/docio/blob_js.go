//go:build js && wasm

package docio

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"syscall/js"
)

// Blob is a Source over a browser File or Blob: each ReadAt reads one slice with
// Blob.slice(off, off+n).arrayBuffer(), so only the slices being hashed are ever in WASM memory.
// ReadAt blocks on a JavaScript promise: call it from a goroutine, never from a js.Func callback
// running on the event loop (which would deadlock).
type Blob struct {
	v       js.Value
	size    int64
	sinceGC int64
}

// gcEvery bounds the JavaScript memory held by slices already read. Each slice's ArrayBuffer stays
// referenced from Go's table of JavaScript values until a Go garbage collection finalizes its js.Value;
// hashing reuses one Go buffer, so Go's heap hardly grows and, left alone, no collection would run before
// the end: the browser would keep every slice of the file (measured by make bench: JS heap ≈ file size).
const gcEvery = 8 << 20

// NewBlob wraps a File or Blob value.
func NewBlob(v js.Value) (*Blob, error) {
	if v.Type() != js.TypeObject || v.Get("size").Type() != js.TypeNumber || v.Get("slice").Type() != js.TypeFunction {
		return nil, errors.New("docio: not a Blob")
	}
	return &Blob{v: v, size: int64(v.Get("size").Float())}, nil
}

// Size implements Source.
func (b *Blob) Size() int64 { return b.size }

// ReadAt implements io.ReaderAt.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("docio: negative offset")
	}
	if off >= b.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), b.size)
	buf, err := await(b.v.Call("slice", float64(off), float64(end)).Call("arrayBuffer"))
	if err != nil {
		return 0, fmt.Errorf("docio: reading the file failed: %w", err)
	}
	n := js.CopyBytesToGo(p[:end-off], js.Global().Get("Uint8Array").New(buf))
	if b.sinceGC += int64(n); b.sinceGC >= gcEvery {
		b.sinceGC = 0
		runtime.GC() // releases the slices read so far (see gcEvery)
	}
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}
