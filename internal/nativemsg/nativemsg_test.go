package nativemsg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	msgs := [][]byte{[]byte(`{"id":"1"}`), {}, bytes.Repeat([]byte("x"), 1000)}
	for _, m := range msgs {
		if err := Write(&buf, m, 1000); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(&buf, 1000)
	for i, want := range msgs {
		got, err := r.Read()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: got %q, %v", i, got, err)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("after last frame: %v, want io.EOF", err)
	}
}

func TestLengthIsNativeEndian(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []byte("abc"), 10); err != nil {
		t.Fatal(err)
	}
	if n := binary.NativeEndian.Uint32(buf.Bytes()[:4]); n != 3 {
		t.Fatalf("length prefix %d, want 3", n)
	}
}

func TestRefusals(t *testing.T) {
	if err := Write(io.Discard, make([]byte, 11), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized write: %v", err)
	}
	var hdr [4]byte
	binary.NativeEndian.PutUint32(hdr[:], 1<<31)
	if _, err := NewReader(bytes.NewReader(hdr[:]), 64<<10).Read(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized frame: %v", err)
	}
	binary.NativeEndian.PutUint32(hdr[:], 5)
	if _, err := NewReader(bytes.NewReader(append(hdr[:], 'a', 'b')), 10).Read(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated body: %v", err)
	}
	if _, err := NewReader(bytes.NewReader([]byte{1, 0}), 10).Read(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated header: %v", err)
	}
}

// FuzzReader: any byte stream yields frames, io.EOF, ErrUnexpectedEOF or ErrTooLarge — never a panic, and
// never a frame over the cap.
func FuzzReader(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, '{', '}', '\n'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 256)
		for i := 0; i < len(data)+1; i++ {
			b, err := r.Read()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(b) > 256 {
				t.Fatalf("frame of %d bytes over the cap", len(b))
			}
		}
	})
}
