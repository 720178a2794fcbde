package virtualcard

import "encoding/binary"

// Card is one powered-on session of an image: the current DF and EF, and response bytes waiting for
// GET RESPONSE. A reset (power on) starts a new Card.
type Card struct {
	img              *Image
	mf, curDF, curEF *node
	pending          []byte
}

// NewCard powers the image on: the MF is selected (ISO/IEC 7816-4 §7.1.1, "after the answer to reset
// the MF is implicitly selected").
func (img *Image) NewCard() (*Card, error) {
	mf, err := buildTree(img.Files)
	if err != nil {
		return nil, err
	}
	return &Card{img: img, mf: mf, curDF: mf}, nil
}

// The instructions the card knows (ISO/IEC 7816-4 §11).
const (
	insSelect      = 0xA4
	insReadBinary  = 0xB0
	insGetResponse = 0xC0
	insVerify      = 0x20
	insGetData     = 0xCA
)

// Process answers one command APDU with a response APDU (data and status word). It never fails: a
// malformed command gets the status word a card would give.
func (c *Card) Process(apdu []byte) []byte {
	cmd, err := parseCommand(apdu)
	if err != nil {
		if len(apdu) >= 2 && apdu[0] == 0xFF {
			return sw(swCLANotSupported)
		}
		return sw(swWrongLength)
	}
	if cmd.ins != insGetResponse {
		c.pending = nil
	}
	switch {
	case cmd.cla == 0xFF:
		return sw(swCLANotSupported)
	case cmd.cla&0x80 != 0:
		// Proprietary class: this card knows no proprietary command.
		return sw(swINSNotSupported)
	case cmd.cla&0x03 != 0:
		return sw(swCLAFunction)
	case cmd.cla&0x0C != 0:
		return sw(swSMNotSupported)
	}
	switch cmd.ins {
	case insSelect:
		return c.selectFile(cmd)
	case insReadBinary:
		return c.readBinary(cmd)
	case insGetResponse:
		return c.getResponse(cmd)
	case insVerify:
		return c.verify(cmd)
	case insGetData:
		return sw(swRefDataNotFound)
	}
	return sw(swINSNotSupported)
}

// selectFile is SELECT (ISO/IEC 7816-4 §11.2.2): P1 00 by FID, 01 child DF, 02 EF under the current DF,
// 03 parent DF, 04 by DF name, 08 path from the MF, 09 path from the current DF; P2 00 FCI, 04 FCP,
// 08 FMD, 0C no response data.
func (c *Card) selectFile(cmd command) []byte {
	if cmd.p2&0xF0 != 0 || cmd.p2&0x03 != 0 {
		return sw(swIncorrectP1P2) // only "first or only occurrence"
	}
	var target *node
	switch cmd.p1 {
	case 0x00:
		switch {
		case len(cmd.data) == 0:
			target = c.mf
		case len(cmd.data) != 2:
			return sw(swLcInconsistent)
		default:
			target = c.byFID(binary.BigEndian.Uint16(cmd.data))
		}
	case 0x01, 0x02:
		if len(cmd.data) != 2 {
			return sw(swLcInconsistent)
		}
		if n := c.curDF.child(binary.BigEndian.Uint16(cmd.data)); n != nil && n.isDF == (cmd.p1 == 0x01) {
			target = n
		}
	case 0x03:
		if len(cmd.data) != 0 {
			return sw(swLcInconsistent)
		}
		target = c.curDF.parent
	case 0x04:
		// No application is registered by name on a CNS file system.
		return sw(swFileNotFound)
	case 0x08, 0x09:
		if len(cmd.data) == 0 || len(cmd.data)%2 != 0 {
			return sw(swLcInconsistent)
		}
		target = c.curDF
		if cmd.p1 == 0x08 {
			target = c.mf
		}
		for i := 0; i < len(cmd.data) && target != nil; i += 2 {
			if !target.isDF {
				target = nil
				break
			}
			target = target.child(binary.BigEndian.Uint16(cmd.data[i:]))
		}
	default:
		return sw(swIncorrectP1P2)
	}
	if target == nil {
		return sw(swFileNotFound)
	}
	if target.isDF {
		c.curDF, c.curEF = target, nil
	} else {
		c.curDF, c.curEF = target.parent, target
	}
	if cmd.p2 == 0x0C {
		return sw(swOK)
	}
	return c.respond(cmd, target.controlInfo(cmd.p2))
}

// byFID finds a file identifier the way P1=00 does: the MF, the current DF itself, a child of the
// current DF, the parent DF, or a sibling DF of the current DF.
func (c *Card) byFID(fid uint16) *node {
	if fid == 0x3F00 {
		return c.mf
	}
	if c.curDF.fid == fid {
		return c.curDF
	}
	if n := c.curDF.child(fid); n != nil {
		return n
	}
	if p := c.curDF.parent; p != nil {
		if p.fid == fid {
			return p
		}
		if n := p.child(fid); n != nil && n.isDF {
			return n
		}
	}
	return nil
}

// controlInfo is the FCI (6F), FCP (62) or FMD (64) template of a file (ISO/IEC 7816-4 §7.4): file
// size (80), descriptor (82: 01 transparent EF, 38 DF), identifier (83) and, for EFs, the CNS
// security attributes (86) with read always allowed and everything else never (OpenSC card-itacns.c
// parse_sec_attr reads them in this order: read, update, write, ...).
func (n *node) controlInfo(p2 byte) []byte {
	var body []byte
	if !n.isDF {
		body = append(body, 0x80, 0x02, byte(len(n.data)>>8), byte(len(n.data)))
		body = append(body, 0x82, 0x01, 0x01)
	} else {
		body = append(body, 0x82, 0x01, 0x38)
	}
	body = append(body, 0x83, 0x02, byte(n.fid>>8), byte(n.fid))
	if !n.isDF {
		body = append(body, 0x86, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	tag := byte(0x6F)
	switch p2 {
	case 0x04:
		tag = 0x62
	case 0x08:
		tag = 0x64
	}
	return append([]byte{tag, byte(len(body))}, body...)
}

// respond sends data under the command's Ne: all of it when it fits, 6Cxx when a short Le asked for
// too little, and 61xx (GET RESPONSE) when the command had no Le (the T=0 way of case 4).
func (c *Card) respond(cmd command, data []byte) []byte {
	switch {
	case !cmd.hasLe:
		c.pending = data
		return sw(swBytesAvailable | min(len(data), 0xFF)&0xFF)
	case len(data) > cmd.ne && !cmd.leMax:
		return sw(swWrongLe | len(data)&0xFF)
	case len(data) > cmd.ne:
		c.pending = data[cmd.ne:]
		rest := min(len(c.pending), 0xFF) & 0xFF
		return withSW(data[:cmd.ne], swBytesAvailable|rest)
	}
	return withSW(data, swOK)
}

// getResponse is GET RESPONSE (§11.5.1): the bytes left by the previous command.
func (c *Card) getResponse(cmd command) []byte {
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return sw(swIncorrectP1P2)
	}
	if len(c.pending) == 0 {
		return sw(swConditionsNotMet)
	}
	if !cmd.hasLe {
		return sw(swWrongLength)
	}
	data := c.pending
	c.pending = nil
	if len(data) > cmd.ne {
		c.pending = data[cmd.ne:]
		return withSW(data[:cmd.ne], swBytesAvailable|min(len(c.pending), 0xFF)&0xFF)
	}
	return withSW(data, swOK)
}

// readBinary is READ BINARY with a 15-bit offset in P1-P2 (§11.3.3). Short EF identifiers (P1 bit 8)
// are not used by the CNS file system.
func (c *Card) readBinary(cmd command) []byte {
	if cmd.p1&0x80 != 0 {
		return sw(swFileNotFound)
	}
	if !cmd.hasLe || len(cmd.data) != 0 {
		return sw(swWrongLength)
	}
	if c.curEF == nil {
		return sw(swNoCurrentEF)
	}
	off := int(cmd.p1)<<8 | int(cmd.p2)
	data := c.curEF.data
	if off > len(data) {
		return sw(swWrongP1P2)
	}
	end := min(off+cmd.ne, len(data))
	if end-off < cmd.ne && !cmd.leMax {
		return withSW(data[off:end], swEndOfFile)
	}
	return withSW(data[off:end], swOK)
}

// verify answers VERIFY (ISO/IEC 7816-4 §11.5.6). With the data field absent it only reports: 63Cx,
// x tries left, or 6983 when the reference is blocked; nothing changes. The CNS PIN (reference 0x10,
// with bit 8 set as OpenSC's itacns driver sends it to STIncard cards) has the image's counter: a PIN
// presented is checked when the image has one (ASCII, padded with FF to 8 bytes as on a CNS), a wrong
// one spends a try, the right one restores them. The PUK and the signature PIN and PUK (0x11, 0x1A,
// 0x1B) report 3 tries and refuse a PIN: the SoftHSM2 token does the real PIN work.
func (c *Card) verify(cmd command) []byte {
	// Anything after the header counts as a presentation, at any reference and whatever the answer: a
	// Le byte reaches a T=0 card as the same P3 a Lc of 0 would (ISO/IEC 7816-3 §12.2.2-3), and a strict
	// firmware takes it for an empty PIN. Only case 1 (the bare header) is a query.
	if len(cmd.data) > 0 || cmd.hasLe || c.img.QueryCounts {
		c.img.presented()
	}
	if cmd.p1 != 0x00 {
		return sw(swIncorrectP1P2)
	}
	ref := cmd.p2 &^ 0x80
	if ref != 0x10 && ref != 0x11 && ref != 0x1A && ref != 0x1B {
		return sw(swRefDataNotFound)
	}
	if ref != 0x10 {
		if len(cmd.data) == 0 {
			return sw(swVerifyTries | 3)
		}
		return sw(swConditionsNotMet)
	}
	img := c.img
	img.mu.Lock()
	defer img.mu.Unlock()
	left := img.triesLocked()
	switch {
	case left == 0:
		return sw(swAuthBlocked)
	case len(cmd.data) == 0 && img.QueryCounts:
		img.tries = left
		return sw(swVerifyFailed)
	case len(cmd.data) == 0:
		return sw(swVerifyTries | min(left, 0xF))
	case len(img.PIN) == 0:
		return sw(swConditionsNotMet)
	case string(cmd.data) == string(padPIN(img.PIN)):
		img.tries = PINTriesMax + 1
		return sw(swOK)
	}
	img.tries = left // left-1 tries, stored plus one
	return sw(swVerifyTries | min(left-1, 0xF))
}

// padPIN pads a CNS PIN to 8 bytes with FF (OpenSC itacns: SC_PIN_CMD_NEED_PADDING, pin max length 8).
func padPIN(pin []byte) []byte {
	out := append([]byte(nil), pin...)
	for len(out) < 8 {
		out = append(out, 0xFF)
	}
	return out
}
