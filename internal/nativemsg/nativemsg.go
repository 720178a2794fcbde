// Package nativemsg reads and writes WebExtension native messaging frames: a 4-byte length in native byte
// order followed by that many bytes of UTF-8 JSON (Chrome: developer.chrome.com/docs/extensions/develop/
// concepts/native-messaging#native-messaging-host-protocol; Firefox: MDN "Native messaging", "App side").
package nativemsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is returned for a frame whose announced length exceeds the reader's cap. The stream cannot be
// resynchronised after it (the body is not consumed), so the caller answers once and closes.
var ErrTooLarge = errors.New("nativemsg: message exceeds the size limit")

// Reader reads frames up to a size cap.
type Reader struct {
	r   io.Reader
	max int
}

// NewReader reads frames of at most max bytes from r.
func NewReader(r io.Reader, max int) *Reader { return &Reader{r: r, max: max} }

// Read returns the next frame's body. io.EOF means the browser closed the pipe between frames;
// io.ErrUnexpectedEOF means it closed mid-frame.
func (fr *Reader) Read() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return nil, err // io.EOF when closed cleanly before a frame
	}
	n := binary.NativeEndian.Uint32(hdr[:])
	if uint64(n) > uint64(fr.max) {
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, n, fr.max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(fr.r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// Write writes one frame, refusing bodies over max (Chrome drops a host that sends more than 1 MB).
func Write(w io.Writer, body []byte, max int) error {
	if len(body) > max {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), max)
	}
	buf := make([]byte, 4+len(body))
	binary.NativeEndian.PutUint32(buf, uint32(len(body)))
	copy(buf[4:], body)
	_, err := w.Write(buf)
	return err
}
