package tsfile

import (
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// seedToken is a structurally plausible token-shaped DER (a SignedData ContentInfo header).
var seedToken = []byte{0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// FuzzParseTSR: the .tsr reader never panics and a token it returns lies within the input.
func FuzzParseTSR(f *testing.F) {
	f.Add(seedToken)
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		if tok, err := ParseTSR(docio.Bytes(b)); err == nil && len(tok) > len(b) {
			t.Fatal("token longer than the input")
		}
		Detect(b)
	})
}

// FuzzParseTSD: the .tsd reader never panics; the content ranges it returns lie within the input and
// a file it accepts has at least one token.
func FuzzParseTSD(f *testing.F) {
	head, tail := tsdParts(5, "a.txt", seedToken)
	f.Add(append(append(head, "ciao!"...), tail...))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseTSD(docio.Bytes(b))
		if err != nil {
			return
		}
		for _, r := range d.Content {
			if r.Off < 0 || r.Len < 0 || r.End() > int64(len(b)) {
				t.Fatalf("content range %+v outside %d bytes", r, len(b))
			}
		}
		if len(d.Tokens) == 0 {
			t.Fatal("accepted without a token")
		}
	})
}

// FuzzParseM7M: the .m7m reader never panics; the .p7m range lies within the input, and a file it
// accepts has a .p7m and a token.
func FuzzParseM7M(f *testing.F) {
	resp := append([]byte{0x30, 0x14, 0x30, 0x03, 0x02, 0x01, 0x00}, seedToken...)
	resp[1] = byte(len(resp) - 2)
	head, tail := m7mParts("a.p7m", "a.p7m.tsr", "B", resp)
	f.Add(append(append(head, 0x30, 0x03, 0x02, 0x01, 0x01), tail...))
	f.Add([]byte("Mime-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/timestamp-reply\nContent-Transfer-Encoding: base64\n\nMAA=\n--x--\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseM7M(docio.Bytes(b))
		if err != nil {
			return
		}
		for _, r := range m.P7M {
			if r.Off < 0 || r.Len < 0 || r.End() > int64(len(b)) {
				t.Fatalf("p7m range %+v outside %d bytes", r, len(b))
			}
		}
		if m.P7M == nil && m.Decoded == nil || len(m.Tokens) == 0 {
			t.Fatal("accepted without a .p7m or a token")
		}
	})
}
