package session

import (
	"errors"
	"io"

	"github.com/ponte-it/ponte/internal/nativemsg"
	"github.com/ponte-it/ponte/internal/protocol"
)

// NativeConn is a native messaging connection over the host's stdin and stdout.
type NativeConn struct {
	r *nativemsg.Reader
	w io.Writer
}

// NewNativeConn frames requests from r (capped at protocol.MaxInbound) and messages to w.
func NewNativeConn(r io.Reader, w io.Writer) *NativeConn {
	return &NativeConn{r: nativemsg.NewReader(r, protocol.MaxInbound), w: w}
}

func (c *NativeConn) Read() ([]byte, error) {
	b, err := c.r.Read()
	if errors.Is(err, nativemsg.ErrTooLarge) {
		return nil, errors.Join(ErrTooLarge, err)
	}
	return b, err
}

func (c *NativeConn) Write(b []byte) error { return nativemsg.Write(c.w, b, protocol.MaxOutbound) }
