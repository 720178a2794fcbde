package cns

import (
	"bytes"
	"strings"
)

// EF_IDCarta (3F00/1000/1003) holds the card identifier, 16 bytes on CNS cards; OpenSC uses it as the
// token serial number (pkcs15-itacns.c).
const (
	IDCartaLen    = 16
	maxIDCartaLen = 32
)

// ParseIDCarta returns the card id: its text when the bytes are printable ASCII (padding of 0x00, 0xFF or
// spaces at the end is dropped), otherwise upper-case hex of the bytes.
func ParseIDCarta(b []byte) (string, error) {
	t := bytes.TrimRight(b, "\x00\xff ")
	if len(t) == 0 {
		return "", newError(ErrIDCartaMalformed, "EF_IDCarta is empty")
	}
	if len(b) > maxIDCartaLen {
		return "", newError(ErrIDCartaMalformed, "EF_IDCarta too long (%d bytes, %d expected)", len(b), IDCartaLen)
	}
	for _, c := range t {
		if c < 0x20 || c > 0x7E {
			return ATRString(b), nil
		}
	}
	return string(t), nil
}

// EncodeIDCarta writes a card id of printable ASCII (at most 32 characters; 16 on real cards).
func EncodeIDCarta(id string) ([]byte, error) {
	if id == "" || len(id) > maxIDCartaLen || strings.TrimRight(id, " ") != id {
		return nil, newError(ErrNotEncodable, "invalid card id: 1 to 32 characters, no trailing spaces")
	}
	for _, c := range []byte(id) {
		if c < 0x20 || c > 0x7E {
			return nil, newError(ErrNotEncodable, "invalid card id: printable ASCII characters only")
		}
	}
	return []byte(id), nil
}
