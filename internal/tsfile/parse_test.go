package tsfile

import (
	"bytes"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// TestM7MLayouts: the parser reads Dike's CRLF layout and the LF header SACER's M7mForger writes, finds a
// binary .p7m by its DER length without scanning it, and finds it by scanning when its length is not
// definite (a BER .p7m); a boundary inside a base64 part is never mistaken for the end.
func TestM7MLayouts(t *testing.T) {
	p7m := []byte{0x30, 0x05, 0x02, 0x01, 0x01, '\r', '\n'} // a DER SEQUENCE whose content ends in CRLF
	ber := []byte{0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00}
	resp := append([]byte{0x30, 0x14, 0x30, 0x03, 0x02, 0x01, 0x00}, seedToken...)
	resp[1] = byte(len(resp) - 2)
	for name, env := range map[string][]byte{"der": p7m, "ber": ber} {
		head, tail := m7mParts("x.p7m", "x.p7m.tsr", "DiKeCades", resp)
		for layout, file := range map[string][]byte{
			"crlf": append(append(bytes.Clone(head), env...), tail...),
			"lf":   bytes.ReplaceAll(append(append(bytes.Clone(head), env...), tail...), []byte("\r\n--DiKeCades"), []byte("\n--DiKeCades")),
		} {
			m, err := ParseM7M(docio.Bytes(file))
			if err != nil {
				t.Fatalf("%s %s: %v", name, layout, err)
			}
			got, _ := docio.ReadRange(docio.Bytes(file), m.P7M[0])
			if !bytes.Equal(got, env) || m.P7MName != "x.p7m" || len(m.Tokens) != 1 {
				t.Fatalf("%s %s: p7m %q name %q, %d tokens", name, layout, got, m.P7MName, len(m.Tokens))
			}
		}
	}
}

// TestDetect: each form is told by its first bytes; a certificate (SEQUENCE { SEQUENCE { [0] … } }) and a
// .p7m (SEQUENCE { OID signedData … }) are none of them.
func TestDetect(t *testing.T) {
	resp := append([]byte{0x30, 0x14, 0x30, 0x03, 0x02, 0x01, 0x00}, seedToken...)
	head, _ := tsdParts(5, "a", seedToken)
	m7m, _ := m7mParts("a.p7m", "a.p7m.tsr", "B", resp)
	cert := []byte{0x30, 0x82, 0x01, 0x00, 0x30, 0x81, 0xf0, 0xa0, 0x03, 0x02, 0x01, 0x02, 0, 0, 0, 0}
	for want, in := range map[Kind][]byte{TSR: resp, TSD: head, M7M: m7m, "": cert} {
		if got := Detect(append(in, make([]byte, 16)...)); got != want {
			t.Errorf("%q detected as %q", want, got)
		}
	}
	if got := Detect(append(bytes.Clone(seedToken), make([]byte, 16)...)); got != "" {
		t.Errorf("a SignedData detected as %q (IsToken tells a token from a .p7m)", got)
	}
}
