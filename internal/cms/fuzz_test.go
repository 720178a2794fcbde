package cms

import (
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// FuzzParse: the CMS decoder never panics or hangs on arbitrary input, and what it accepts verifies
// without panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	f.Add(sampleP7M(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := Parse(b)
		if err != nil {
			return
		}
		Verify(sd, docio.Bytes(b), docio.Bytes(nil), VerifyOptions{})
	})
}
