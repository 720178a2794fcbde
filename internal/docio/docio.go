// Package docio is the document I/O shared by the signing packages: a random-access Source (a file on
// disk natively, a File/Blob read by slices in WASM), ranges of it, streaming hashing in fixed chunks, and
// outputs described as Parts (literal bytes or ranges of the source) so that a signed document can be
// assembled by the caller (a Blob of [original, tail] in the browser) without ever copying the document.
package docio

import (
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"
)

// Source is a random-access document of known size. ReadAt follows io.ReaderAt; implementations need
// not be safe for concurrent use (the signing packages read sequentially).
type Source interface {
	io.ReaderAt
	Size() int64
}

// ChunkSize is how much is read at a time when hashing: large enough to keep per-call overhead (a Blob
// slice read in WASM) small, small enough that memory stays far below document size.
const ChunkSize = 1 << 20

// Range is a byte range [Off, Off+Len) of a source.
type Range struct{ Off, Len int64 }

// End is the offset just past the range.
func (r Range) End() int64 { return r.Off + r.Len }

// Bytes is an in-memory Source.
type Bytes []byte

// ReadAt implements io.ReaderAt.
func (b Bytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("docio: negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size implements Source.
func (b Bytes) Size() int64 { return int64(len(b)) }

// File is a Source backed by an open file.
type File struct {
	f       *os.File
	size    int64
	modTime time.Time
}

// OpenFile opens path as a Source. Close it when done.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f, size: st.Size(), modTime: st.ModTime()}, nil
}

// ErrChanged: the file was written to after it was opened (its bytes may no longer be those hashed).
var ErrChanged = errors.New("docio: the file changed after it was opened")

// Unchanged says whether the open file still has the size and modification time it had when opened:
// a program that rewrites it in place changes both (or the time alone). Call it after writing an output
// built from the file, before publishing it. A file replaced by a rename is not a change: the open file
// still reads the old bytes.
func (f *File) Unchanged() error {
	st, err := f.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != f.size || !st.ModTime().Equal(f.modTime) {
		return ErrChanged
	}
	return nil
}

// ReadAt implements io.ReaderAt.
func (f *File) ReadAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }

// Size implements Source.
func (f *File) Size() int64 { return f.size }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// ReadRange reads exactly r from src. Callers use it only for small, bounded ranges.
func ReadRange(src Source, r Range) ([]byte, error) {
	if r.Off < 0 || r.Len < 0 || r.End() > src.Size() {
		return nil, fmt.Errorf("docio: range %d+%d outside document of %d bytes", r.Off, r.Len, src.Size())
	}
	buf := make([]byte, r.Len)
	n, err := src.ReadAt(buf, r.Off)
	if n == len(buf) {
		return buf, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// HashRanges writes the ranges of src, in order, into h, reading ChunkSize bytes at a time with one
// buffer: memory use is independent of the document's size. In the browser, a SHA-2 hash over a Blob
// is computed by the extension's WebAssembly hasher when it is loaded (hashfast_js.go).
func HashRanges(h hash.Hash, src Source, ranges ...Range) error {
	if done, err := hashFast(h, src, ranges); done {
		return err
	}
	return CopyRanges(h, src, ranges...)
}

// CopyRanges writes the ranges of src, in order, to w in chunks.
func CopyRanges(w io.Writer, src Source, ranges ...Range) error {
	var buf []byte
	for _, r := range ranges {
		if r.Off < 0 || r.Len < 0 || r.End() > src.Size() {
			return fmt.Errorf("docio: range %d+%d outside document of %d bytes", r.Off, r.Len, src.Size())
		}
		if buf == nil {
			n := int64(ChunkSize)
			if r.Len < n {
				n = r.Len
			}
			buf = make([]byte, max(n, 1))
		}
		for off := r.Off; off < r.End(); {
			n := min(int64(len(buf)), r.End()-off)
			got, err := src.ReadAt(buf[:n], off)
			if int64(got) != n {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}

// Part is one piece of an output document: literal Data, or (when Data is nil) Range of the source.
type Part struct {
	Data  []byte
	Range Range
}

// Len is the part's length in bytes.
func (p Part) Len() int64 {
	if p.Data != nil {
		return int64(len(p.Data))
	}
	return p.Range.Len
}

// SourcePart is a part copied from the source.
func SourcePart(off, n int64) Part { return Part{Range: Range{off, n}} }

// WriteParts writes the output described by parts to w, streaming the source ranges.
func WriteParts(w io.Writer, src Source, parts []Part) error {
	for _, p := range parts {
		if p.Data != nil {
			if _, err := w.Write(p.Data); err != nil {
				return err
			}
			continue
		}
		if err := CopyRanges(w, src, p.Range); err != nil {
			return err
		}
	}
	return nil
}

// PartsSize is the total length of an output.
func PartsSize(parts []Part) int64 {
	var n int64
	for _, p := range parts {
		n += p.Len()
	}
	return n
}

// Section is the first n bytes of a source as a source (an earlier revision of an incrementally
// updated file).
type Section struct {
	src Source
	n   int64
}

// NewSection returns the first n bytes of src.
func NewSection(src Source, n int64) *Section { return &Section{src, min(n, src.Size())} }

// ReadAt implements io.ReaderAt.
func (s *Section) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.n {
		return 0, io.EOF
	}
	if rest := s.n - off; int64(len(p)) > rest {
		n, err := s.src.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return s.src.ReadAt(p, off)
}

// Size implements Source.
func (s *Section) Size() int64 { return s.n }
