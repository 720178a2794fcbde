package pcsc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ponte-it/ponte/host/pcsc/winscard"
)

// Card is a connected card inside Transact.
type Card struct {
	reader      string
	sc          *winscard.Context
	h           *winscard.Card
	removalWait time.Duration
	events      uint32 // the reader's event counter when the card was connected
}

// Reader is the card's reader name.
func (c *Card) Reader() string { return c.reader }

// ATR returns the card's answer to reset as the reader reports it.
func (c *Card) ATR() ([]byte, error) {
	st, err := c.h.Status()
	if err != nil {
		return nil, c.fail("SCardStatus", err)
	}
	return st.Atr, nil
}

// maxResponseChain bounds GET RESPONSE loops so a card that keeps saying 61xx cannot hang us.
const maxResponseChain = 64

// Transmit sends a command APDU and returns the response data and status word, following 61xx with GET
// RESPONSE and answering 6Cxx by repeating the command with the right Le (ISO/IEC 7816-3 §10.3.5,
// 7816-4 §5.3.4).
func (c *Card) Transmit(apdu []byte) ([]byte, uint16, error) { return c.transmit(apdu, true) }

func (c *Card) transmit(apdu []byte, fixLe bool) ([]byte, uint16, error) {
	resp, err := c.h.Transmit(apdu)
	if err != nil {
		return nil, 0, c.fail("SCardTransmit", err)
	}
	if len(resp) < 2 {
		return nil, 0, c.noStatus("SCardTransmit", len(resp))
	}
	sw := binary.BigEndian.Uint16(resp[len(resp)-2:])
	if sw&0xFF00 == 0x6C00 && len(apdu) >= 5 && fixLe {
		again := append(append([]byte(nil), apdu[:len(apdu)-1]...), byte(sw))
		if len(apdu) == 5 { // case 2: Le is the fifth byte
			again = append(append([]byte(nil), apdu[:4]...), byte(sw))
		}
		return c.transmit(again, false)
	}
	data := append([]byte(nil), resp[:len(resp)-2]...)
	for i := 0; sw&0xFF00 == 0x6100; i++ {
		if i == maxResponseChain {
			return nil, 0, &Error{Code: ErrCardUnreadable.Code, Reader: c.reader, Op: "GET RESPONSE", Err: errors.New("response chain too long")}
		}
		r, err := c.h.Transmit([]byte{apdu[0] & 0x03, 0xC0, 0x00, 0x00, byte(sw)})
		if err != nil {
			return nil, 0, c.fail("GET RESPONSE", err)
		}
		if len(r) < 2 {
			return nil, 0, c.noStatus("GET RESPONSE", len(r))
		}
		data = append(data, r[:len(r)-2]...)
		sw = binary.BigEndian.Uint16(r[len(r)-2:])
	}
	return data, sw, nil
}

// fail classifies a PC/SC error. A broken exchange (not transacted, communication error) on a card
// that has just been pulled out shows up as such before pcscd notices the removal, so it waits up to
// removalWait for the reader to say whether the card is still there.
func (c *Card) fail(op string, err error) error {
	var se winscard.Error
	if errors.As(err, &se) && (se == winscard.ErrNotTransacted || se == winscard.ErrCommError || se == winscard.ErrUnknownError ||
		se == winscard.ErrInternalError) && c.cardGone() {
		return &Error{Code: ErrCardRemoved.Code, Reader: c.reader, Op: op, Err: err}
	}
	return classify(c.reader, op, err)
}

// noStatus handles an answer without status word: pcscd returns an empty response when the reader lost
// the card during the exchange (vpcd), so it is a removal when the reader confirms it.
func (c *Card) noStatus(op string, n int) error {
	code := ErrCardUnreadable.Code
	if c.cardGone() {
		code = ErrCardRemoved.Code
	}
	return &Error{Code: code, Reader: c.reader, Op: op, Err: fmt.Errorf("response of %d bytes, no status word", n)}
}

// cardGone waits (bounded) for the reader to report the card absent or replaced: its state empty or its
// event counter (high 16 bits of the event state, pcsc-lite) moved since the card was connected.
func (c *Card) cardGone() bool {
	rs := []winscard.ReaderState{{Reader: c.reader, CurrentState: winscard.StateUnaware}}
	deadline := time.Now().Add(c.removalWait)
	for {
		err := c.sc.GetStatusChange(rs, time.Until(deadline))
		if err != nil {
			return errors.Is(err, winscard.ErrUnknownReader) || errors.Is(err, winscard.ErrReaderUnavailable)
		}
		st := rs[0].EventState
		if st&(winscard.StateEmpty|winscard.StateUnavailable|winscard.StateUnknown) != 0 || uint32(st)>>16 != c.events {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		rs[0].CurrentState = st &^ winscard.StateChanged
	}
}

// eventCounter reads the reader's card event counter (pcsc-lite keeps it in the high 16 bits of the
// event state).
func eventCounter(sc *winscard.Context, reader string) uint32 {
	rs := []winscard.ReaderState{{Reader: reader, CurrentState: winscard.StateUnaware}}
	if err := sc.GetStatusChange(rs, 0); err != nil {
		return 0
	}
	return uint32(rs[0].EventState) >> 16
}

// SelectPath selects a file by its path from the MF (ISO/IEC 7816-4 §11.2.2, P1 = 08, path without
// 3F00) asking for the FCP/FCI, and returns the file size it declares (-1 when it declares none).
// A card that does not return control information is asked again without (P2 = 0C).
func (c *Card) SelectPath(path []uint16) (int, error) {
	if len(path) == 0 || path[0] != 0x3F00 {
		return 0, fmt.Errorf("pcsc: path must start at 3F00")
	}
	var ids []byte
	for _, fid := range path[1:] {
		ids = binary.BigEndian.AppendUint16(ids, fid)
	}
	p1 := byte(0x08)
	if len(ids) == 0 {
		p1, ids = 0x00, []byte{0x3F, 0x00}
	}
	apdu := append([]byte{0x00, 0xA4, p1, 0x00, byte(len(ids))}, ids...)
	data, sw, err := c.Transmit(append(apdu, 0x00))
	if err != nil {
		return 0, err
	}
	if sw == 0x6A86 || sw == 0x6A87 || sw == 0x6D00 || sw == 0x6700 {
		apdu[3] = 0x0C
		if data, sw, err = c.Transmit(apdu); err != nil {
			return 0, err
		}
	}
	if sw != 0x9000 {
		return 0, &StatusError{SW: sw}
	}
	return fileSize(data), nil
}

// fileSize reads the size from an FCP (62) or FCI (6F) template: tag 80 (data bytes) or 81 (total),
// ISO/IEC 7816-4 §7.4.3 table 12. -1 when absent.
func fileSize(fci []byte) int {
	if len(fci) < 2 || (fci[0] != 0x62 && fci[0] != 0x6F) {
		return -1
	}
	body := fci[2:]
	if int(fci[1]) < len(body) {
		body = body[:fci[1]]
	}
	size := -1
	for len(body) >= 2 {
		tag, l := body[0], int(body[1])
		if 2+l > len(body) {
			break
		}
		v := body[2 : 2+l]
		if (tag == 0x80 || (tag == 0x81 && size < 0)) && l >= 1 && l <= 4 {
			n := 0
			for _, b := range v {
				n = n<<8 | int(b)
			}
			size = n
		}
		body = body[2+l:]
	}
	return size
}

// PINTries asks the card how many tries its PIN ref has left without presenting a PIN: VERIFY with the
// data field absent (ISO/IEC 7816-4 §11.5.6: "If the data field is absent, the command may be used to
// retrieve the number of further allowed retries (SW1-SW2 = 63CX), or to check whether the verification
// is not required (SW1-SW2 = 9000)"). This is the only VERIFY the host sends: it carries no Lc, no data
// and no Le, so no card can count it as a wrong PIN. tries is -1 when the card does not say (9000:
// already verified in this session; any other status: the card does not answer the query); 6983
// (authentication method blocked, §5.6) is 0.
func (c *Card) PINTries(ref byte) (tries int, verified bool, err error) {
	_, sw, err := c.Transmit([]byte{0x00, insVerify, 0x00, ref})
	if err != nil {
		return -1, false, err
	}
	switch {
	case sw&0xFFF0 == 0x63C0:
		return int(sw & 0x0F), false, nil
	case sw == 0x6983:
		return 0, false, nil
	case sw == 0x9000:
		return -1, true, nil
	}
	return -1, false, nil
}

// insVerify is VERIFY (ISO/IEC 7816-4 §11.5.6).
const insVerify = 0x20

// MaxFileSize bounds what ReadFile accepts, so a card declaring a huge file cannot exhaust memory.
const MaxFileSize = 32 * 1024

// readChunk is the READ BINARY size: 255, as OpenSC's itacns driver uses, because some CNS cards
// refuse Le = 00.
const readChunk = 0xFF

// ReadFile selects a transparent EF by path and reads it whole with READ BINARY in chunks (ISO/IEC
// 7816-4 §11.3.3), up to the declared size or until the card signals the end (6282, 6B00 or a short
// answer).
func (c *Card) ReadFile(path []uint16) ([]byte, error) {
	size, err := c.SelectPath(path)
	if err != nil {
		return nil, err
	}
	if size > MaxFileSize {
		return nil, &Error{Code: ErrCardUnreadable.Code, Reader: c.reader, Op: "READ BINARY", Err: fmt.Errorf("file declares %d bytes", size)}
	}
	var out []byte
	for len(out) < MaxFileSize {
		n := readChunk
		if size >= 0 {
			if len(out) >= size {
				break
			}
			n = min(readChunk, size-len(out))
		}
		off := len(out)
		data, sw, err := c.Transmit([]byte{0x00, 0xB0, byte(off >> 8), byte(off), byte(n)})
		if err != nil {
			return nil, err
		}
		switch {
		case sw == 0x9000:
		case sw == 0x6282 || (sw == 0x6B00 && off > 0 && size < 0):
			return append(out, data...), nil
		default:
			return nil, &StatusError{SW: sw}
		}
		out = append(out, data...)
		if len(data) < n || len(data) == 0 {
			break
		}
	}
	return out, nil
}
