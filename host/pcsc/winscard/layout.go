package winscard

import "encoding/binary"

// abi is the C layout of the PC/SC types in one platform's library, as its headers define it. Pointers
// are 8 bytes (every target is 64-bit) and the byte order is little-endian (amd64, arm64).
type abi struct {
	name string
	// word is sizeof(DWORD) = sizeof(LONG) = sizeof(SCARDCONTEXT) = sizeof(SCARDHANDLE).
	word int
	// SCARD_READERSTATE: szReader at 0, pvUserData at 8, then these offsets, and its size.
	rsCurrentState, rsEventState, rsCbAtr, rsAtr, rsSize int
	// ioSize is sizeof(SCARD_IO_REQUEST) {DWORD dwProtocol; DWORD cbPciLength}.
	ioSize int
}

// maxATR is MAX_ATR_SIZE, the size of SCARD_READERSTATE.rgbAtr (33 in both headers).
const maxATR = 33

var (
	// abiApple is PCSC.framework on macOS. Its Headers/wintypes.h defines DWORD as uint32_t and LONG as
	// int32_t, pcsclite.h SCARDCONTEXT and SCARDHANDLE as int32_t and wraps SCARD_READERSTATE and
	// SCARD_IO_REQUEST in #pragma pack(1) (MacOSX SDK 11.3, PCSC.framework/Versions/A/Headers): the
	// reader state is 8+8+4+4+4+33 = 61 bytes with no padding, the I/O request 4+4. layout_test.go checks
	// the reader state against the __APPLE__ branch of pcsc-lite's headers, which follows Apple's, and
	// the I/O request against Apple's declaration (pcsc-lite's has unsigned long there even for Apple).
	abiApple = abi{name: "PCSC.framework", word: 4, rsCurrentState: 16, rsEventState: 20, rsCbAtr: 24, rsAtr: 28, rsSize: 61, ioSize: 8}
	// abiLite64 is pcsc-lite on 64-bit Linux: wintypes.h defines DWORD as unsigned long and LONG as long
	// (8 bytes), pcsclite.h SCARDCONTEXT/SCARDHANDLE as LONG, natural alignment (the pack pragma is
	// __APPLE__ only): 8+8+8+8+8+33 rounded up to 8 = 80 bytes; SCARD_IO_REQUEST is two unsigned long.
	abiLite64 = abi{name: "pcsc-lite LP64", word: 8, rsCurrentState: 16, rsEventState: 24, rsCbAtr: 32, rsAtr: 40, rsSize: 80, ioSize: 16}
)

// putWord stores a DWORD/LONG at b[0:word].
func (a *abi) putWord(b []byte, v uint64) {
	if a.word == 4 {
		binary.LittleEndian.PutUint32(b, uint32(v))
	} else {
		binary.LittleEndian.PutUint64(b, v)
	}
}

// getWord reads a DWORD/LONG from b[0:word].
func (a *abi) getWord(b []byte) uint64 {
	if a.word == 4 {
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// stateIn is one SCARD_READERSTATE as the caller fills it: the reader name's C string address, the
// current state and the ATR it knows.
type stateIn struct {
	reader  uintptr
	current uint32
	atr     []byte
}

// encodeStates lays out an array of SCARD_READERSTATE for SCardGetStatusChange.
func (a *abi) encodeStates(in []stateIn) []byte {
	buf := make([]byte, a.rsSize*len(in))
	for i, s := range in {
		b := buf[i*a.rsSize : (i+1)*a.rsSize]
		binary.LittleEndian.PutUint64(b[0:], uint64(s.reader))
		a.putWord(b[a.rsCurrentState:], uint64(s.current))
		n := copy(b[a.rsAtr:a.rsAtr+maxATR], s.atr)
		a.putWord(b[a.rsCbAtr:], uint64(n))
	}
	return buf
}

// decodeState reads back the event state and ATR of entry i. The ATR length is capped at MAX_ATR_SIZE.
func (a *abi) decodeState(buf []byte, i int) (event uint32, atr []byte) {
	b := buf[i*a.rsSize : (i+1)*a.rsSize]
	event = uint32(a.getWord(b[a.rsEventState:]))
	n := min(a.getWord(b[a.rsCbAtr:]), maxATR)
	return event, append([]byte(nil), b[a.rsAtr:a.rsAtr+int(n)]...)
}

// ioRequest is an SCARD_IO_REQUEST for protocol p (the PCI sent with SCardTransmit).
func (a *abi) ioRequest(p uint32) []byte {
	b := make([]byte, a.ioSize)
	a.putWord(b, uint64(p))
	a.putWord(b[a.word:], uint64(a.ioSize))
	return b
}

// multiString splits a C multi-string ("a\0b\0\0") into its strings.
func multiString(b []byte) []string {
	var out []string
	for len(b) > 0 && b[0] != 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		out = append(out, string(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
