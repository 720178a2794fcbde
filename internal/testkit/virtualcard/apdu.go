package virtualcard

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
	swAuthBlocked       = 0x6983 // authentication method blocked
	swVerifyFailed      = 0x6300 // authentication failed, no information given (§5.6)
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
		c.setLe(int(body[0]), maxShortNe)
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		return c.withBody(body, 1, int(body[0]), 1, maxShortNe)
	case len(body) == 3: // case 2 extended
		c.setLe(int(binary.BigEndian.Uint16(body[1:])), maxExtendedResponse)
		return c, nil
	case len(body) < 3:
		return c, errBadAPDU
	}
	// Case 3 or 4 extended: 00, Lc on two bytes, data, optional Le on two bytes.
	return c.withBody(body, 3, int(binary.BigEndian.Uint16(body[1:3])), 2, maxExtendedResponse)
}

// withBody splits the command data and an optional Le of leSize bytes after a Lc field of lcSize bytes.
func (c command) withBody(body []byte, lcSize, lc, leSize, maxNe int) (command, error) {
	if lc == 0 {
		return c, errBadAPDU
	}
	switch len(body) {
	case lcSize + lc:
		c.data = body[lcSize:]
		return c, nil
	case lcSize + lc + leSize:
		c.data = body[lcSize : lcSize+lc]
		le := 0
		for _, b := range body[lcSize+lc:] {
			le = le<<8 | int(b)
		}
		c.setLe(le, maxNe)
		return c, nil
	}
	return c, errBadAPDU
}

// setLe records the Le field: 0 means the maximum (256 short, 65536 extended).
func (c *command) setLe(le, max int) {
	c.hasLe, c.ne, c.leMax = true, le, le == 0
	if le == 0 {
		c.ne = max
	}
}

func sw(code int) []byte { return []byte{byte(code >> 8), byte(code)} }

func withSW(data []byte, code int) []byte { return append(append([]byte(nil), data...), sw(code)...) }
