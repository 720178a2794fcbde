package vcard

import (
	"encoding/binary"
	"errors"
)

// Status words (ISO/IEC 7816-4:2020 §5.6, table 6 and following).
const (
	swOK                = 0x9000
	swBytesAvailable    = 0x6100 // 61xx: xx more bytes with GET RESPONSE
	swEndOfFile         = 0x6282 // end of file reached before reading Ne bytes
	swVerifyTries       = 0x63C0 // 63Cx: x tries left
	swWrongLength       = 0x6700
	swCLAFunction       = 0x6881 // logical channel not supported
	swSMNotSupported    = 0x6882
	swIncompatibleFile  = 0x6981 // command incompatible with file structure
	swConditionsNotMet  = 0x6985
	swNoCurrentEF       = 0x6986
	swWrongData         = 0x6A80
	swFileNotFound      = 0x6A82
	swIncorrectP1P2     = 0x6A86
	swLcInconsistent    = 0x6A87
	swRefDataNotFound   = 0x6A88
	swWrongP1P2         = 0x6B00 // wrong parameters P1-P2 (offset outside the EF)
	swWrongLe           = 0x6C00 // 6Cxx: wrong Le, xx is the exact length
	swINSNotSupported   = 0x6D00
	swCLANotSupported   = 0x6E00
	swUnknown           = 0x6F00
	maxShortNe          = 256
	maxExtendedResponse = 65536
)

// command is a parsed command APDU (ISO/IEC 7816-4 §5.1 and §5.2: short and extended length).
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	ne               int  // expected response length, 0 when absent
	hasLe            bool // the Le field is present
	leMax            bool // Le asked for "as many as available" (00 / 0000)
}

var errBadAPDU = errors.New("malformed command APDU")

// parseCommand decodes the four cases in both length encodings.
func parseCommand(b []byte) (command, error) {
	var c command
	if len(b) < 4 {
		return c, errBadAPDU
	}
	c.cla, c.ins, c.p1, c.p2 = b[0], b[1], b[2], b[3]
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.hasLe, c.ne, c.leMax = true, int(body[0]), body[0] == 0
		if c.ne == 0 {
			c.ne = maxShortNe
		}
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.data = body[1:]
			return c, nil
		case 2 + lc:
			c.data = body[1 : 1+lc]
			le := body[1+lc]
			c.hasLe, c.ne, c.leMax = true, int(le), le == 0
			if c.ne == 0 {
				c.ne = maxShortNe
			}
			return c, nil
		}
		return c, errBadAPDU
	}
	// Extended length: body starts with 00.
	if len(body) == 3 { // case 2 extended
		le := int(binary.BigEndian.Uint16(body[1:]))
		c.hasLe, c.ne, c.leMax = true, le, le == 0
		if le == 0 {
			c.ne = maxExtendedResponse
		}
		return c, nil
	}
	if len(body) < 3 {
		return c, errBadAPDU
	}
	lc := int(binary.BigEndian.Uint16(body[1:3]))
	if lc == 0 {
		return c, errBadAPDU
	}
	switch len(body) {
	case 3 + lc:
		c.data = body[3:]
		return c, nil
	case 5 + lc:
		c.data = body[3 : 3+lc]
		le := int(binary.BigEndian.Uint16(body[3+lc:]))
		c.hasLe, c.ne, c.leMax = true, le, le == 0
		if le == 0 {
			c.ne = maxExtendedResponse
		}
		return c, nil
	}
	return c, errBadAPDU
}

func sw(code int) []byte { return []byte{byte(code >> 8), byte(code)} }

func withSW(data []byte, code int) []byte { return append(append([]byte(nil), data...), sw(code)...) }
