//go:build darwin || (linux && ponte_purego)

package winscard

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

// The PC/SC library is opened on first use (lib_darwin.go, lib_linux.go name it and its layout) and its
// functions called through purego.SyscallN. Every argument is an integer or a pointer, at most 7 of them:
// on arm64 all travel in registers x0-x7 (Apple's packing of stack arguments never applies); on amd64 the
// 7th (a pointer, in SCardStatus and SCardTransmit) goes on the stack in an 8-byte slot under the System V
// ABI that macOS and Linux share. 32-bit DWORD arguments are passed zero-extended in 64-bit registers,
// which the callee reads as their low half.
var lib struct {
	once sync.Once
	err  error
	fn   [nFuncs]uintptr
}

const (
	fEstablishContext = iota
	fReleaseContext
	fCancel
	fListReaders
	fGetStatusChange
	fConnect
	fDisconnect
	fBeginTransaction
	fEndTransaction
	fStatus
	fTransmit
	nFuncs
)

// funcNames are the C names, in the order of the f constants (winscard.h).
var funcNames = [nFuncs]string{"SCardEstablishContext", "SCardReleaseContext", "SCardCancel", "SCardListReaders",
	"SCardGetStatusChange", "SCardConnect", "SCardDisconnect", "SCardBeginTransaction", "SCardEndTransaction",
	"SCardStatus", "SCardTransmit"}

func load() error {
	lib.once.Do(func() {
		path := libPath()
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			lib.err = fmt.Errorf("%w (%s: %v)", ErrNoService, path, err)
			return
		}
		for i, name := range funcNames {
			if lib.fn[i], err = purego.Dlsym(h, name); err != nil {
				lib.err = fmt.Errorf("%w (%s: %v)", ErrNoService, path, err)
				return
			}
		}
	})
	return lib.err
}

// call runs one PC/SC function. Its uintptr arguments may be Go pointers converted in the call
// expression (kept alive and in place for the call, as for purego.SyscallN); pointers stored inside
// buffers are pinned by the caller. LONG is 32 bits on macOS: the result is its low 32 bits.
//
//go:uintptrescapes
func call(f int, args ...uintptr) Error {
	r, _, _ := purego.SyscallN(lib.fn[f], args...)
	return Error(uint32(r))
}

// Error is a PC/SC return code (pcsclite.h, the same values in PCSC.framework's pcsclite.h).
type Error uint32

func (e Error) Error() string {
	if m, ok := errorText[e]; ok {
		return "scard: " + m
	}
	return fmt.Sprintf("scard: error 0x%08X", uint32(e))
}

// StateFlag is SCARD_STATE_*; pcsc-lite keeps the reader's event counter in the high 16 bits.
type StateFlag uint32

// State is SCARD_ABSENT, SCARD_PRESENT... as SCardStatus reports it.
type State uint32

// ShareMode is SCARD_SHARE_*.
type ShareMode uint32

// Protocol is SCARD_PROTOCOL_*.
type Protocol uint32

// Disposition is SCARD_LEAVE_CARD and the like.
type Disposition uint32

// ReaderState is one entry of SCardGetStatusChange.
type ReaderState struct {
	Reader       string
	UserData     any // not passed to the library
	CurrentState StateFlag
	EventState   StateFlag
	Atr          []byte
}

// CardStatus is what SCardStatus reports.
type CardStatus struct {
	Reader         string
	State          State
	ActiveProtocol Protocol
	Atr            []byte
}

// Context is an SCARDCONTEXT.
type Context struct{ h uintptr }

// Card is an SCARDHANDLE with its active protocol.
type Card struct {
	h     uintptr
	proto Protocol
}

// word is a DWORD/LONG/handle out-parameter: 8 bytes of Go memory, of which the library writes the
// first native.word (little-endian, so the value is the low bits).
type word uint64

func (w *word) ptr() uintptr { return uintptr(unsafe.Pointer(w)) }
func (w word) value() uint64 {
	if native.word == 4 {
		return uint64(uint32(w))
	}
	return uint64(w)
}

func cstring(s string) []byte { return append([]byte(s), 0) }

const scopeSystem = 2 // SCARD_SCOPE_SYSTEM

// EstablishContext wraps SCardEstablishContext (scope system).
func EstablishContext() (*Context, error) {
	if err := load(); err != nil {
		return nil, err
	}
	var h word
	if r := call(fEstablishContext, scopeSystem, 0, 0, uintptr(unsafe.Pointer(&h))); r != ErrSuccess {
		return nil, r
	}
	return &Context{h: uintptr(h.value())}, nil
}

func ok(r Error) error {
	if r != ErrSuccess {
		return r
	}
	return nil
}

// Release wraps SCardReleaseContext.
func (c *Context) Release() error { return ok(call(fReleaseContext, c.h)) }

// Cancel wraps SCardCancel: a GetStatusChange waiting on this context returns ErrCancelled.
func (c *Context) Cancel() error { return ok(call(fCancel, c.h)) }

// ListReaders wraps SCardListReaders (all groups), asking the size first.
func (c *Context) ListReaders() ([]string, error) {
	var n word
	if r := call(fListReaders, c.h, 0, 0, uintptr(unsafe.Pointer(&n))); r != ErrSuccess {
		return nil, r
	}
	buf := make([]byte, n.value()+1)
	n = word(len(buf))
	if r := call(fListReaders, c.h, 0, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n))); r != ErrSuccess {
		return nil, r
	}
	return multiString(buf[:min(n.value(), uint64(len(buf)))]), nil
}

// infinite is INFINITE, the timeout of a wait without end.
const infinite = 0xFFFFFFFF

// GetStatusChange wraps SCardGetStatusChange. A negative timeout waits without end. On success each
// state's EventState (and Atr, when the reader reports one) is updated; on failure none is.
func (c *Context) GetStatusChange(states []ReaderState, timeout time.Duration) error {
	ms := uint64(infinite)
	if timeout >= 0 {
		ms = min(uint64(timeout/time.Millisecond), infinite-1)
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	in := make([]stateIn, len(states))
	for i, s := range states {
		name := cstring(s.Reader)
		pin.Pin(&name[0]) // its address goes inside the array
		in[i] = stateIn{reader: uintptr(unsafe.Pointer(&name[0])), current: uint32(s.CurrentState), atr: s.Atr}
	}
	buf := native.encodeStates(in)
	var p uintptr
	if len(buf) > 0 {
		pin.Pin(&buf[0])
		p = uintptr(unsafe.Pointer(&buf[0]))
	}
	if r := call(fGetStatusChange, c.h, uintptr(ms), p, uintptr(len(states))); r != ErrSuccess {
		return r
	}
	for i := range states {
		ev, atr := native.decodeState(buf, i)
		states[i].EventState = StateFlag(ev)
		if len(atr) > 0 {
			states[i].Atr = atr
		}
	}
	return nil
}

// Connect wraps SCardConnect.
func (c *Context) Connect(reader string, mode ShareMode, proto Protocol) (*Card, error) {
	name := cstring(reader)
	var h, active word
	r := call(fConnect, c.h, uintptr(unsafe.Pointer(&name[0])), uintptr(mode), uintptr(proto), uintptr(unsafe.Pointer(&h)), uintptr(unsafe.Pointer(&active)))
	if r != ErrSuccess {
		return nil, r
	}
	return &Card{h: uintptr(h.value()), proto: Protocol(active.value())}, nil
}

// ActiveProtocol is the protocol SCardConnect negotiated.
func (c *Card) ActiveProtocol() Protocol { return c.proto }

// Disconnect wraps SCardDisconnect.
func (c *Card) Disconnect(d Disposition) error { return ok(call(fDisconnect, c.h, uintptr(d))) }

// BeginTransaction wraps SCardBeginTransaction.
func (c *Card) BeginTransaction() error { return ok(call(fBeginTransaction, c.h)) }

// EndTransaction wraps SCardEndTransaction.
func (c *Card) EndTransaction(d Disposition) error {
	return ok(call(fEndTransaction, c.h, uintptr(d)))
}

// Status wraps SCardStatus, growing its buffers once if the library asks for more.
func (c *Card) Status() (*CardStatus, error) {
	names, atr := make([]byte, 256), make([]byte, maxATR)
	for try := 0; ; try++ {
		nameLen, atrLen := word(len(names)), word(len(atr))
		var state, proto word
		r := call(fStatus, c.h, uintptr(unsafe.Pointer(&names[0])), uintptr(unsafe.Pointer(&nameLen)),
			uintptr(unsafe.Pointer(&state)), uintptr(unsafe.Pointer(&proto)), uintptr(unsafe.Pointer(&atr[0])), uintptr(unsafe.Pointer(&atrLen)))
		if r == ErrInsufficientBuffer && try == 0 {
			names = make([]byte, max(uint64(len(names)), nameLen.value())+1)
			atr = make([]byte, max(uint64(len(atr)), atrLen.value()))
			continue
		}
		if r != ErrSuccess {
			return nil, r
		}
		st := &CardStatus{State: State(state.value()), ActiveProtocol: Protocol(proto.value()),
			Atr: atr[:min(atrLen.value(), uint64(len(atr)))]}
		if rs := multiString(names[:min(nameLen.value(), uint64(len(names)))]); len(rs) > 0 {
			st.Reader = rs[0]
		}
		return st, nil
	}
}

// maxResponse is MAX_BUFFER_SIZE_EXTENDED (pcsclite.h): 64 KiB of data, the APDU header, Lc, Le and SW.
const maxResponse = 4 + 3 + 1<<16 + 3 + 2

// Transmit wraps SCardTransmit with the PCI of the active protocol.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	if len(cmd) == 0 {
		return nil, ErrInvalidParameter
	}
	send, recv := native.ioRequest(uint32(c.proto)), native.ioRequest(uint32(c.proto))
	rsp := make([]byte, maxResponse)
	n := word(len(rsp))
	r := call(fTransmit, c.h, uintptr(unsafe.Pointer(&send[0])), uintptr(unsafe.Pointer(&cmd[0])), uintptr(len(cmd)),
		uintptr(unsafe.Pointer(&recv[0])), uintptr(unsafe.Pointer(&rsp[0])), uintptr(unsafe.Pointer(&n)))
	if r != ErrSuccess {
		return nil, r
	}
	return rsp[:min(n.value(), uint64(len(rsp)))], nil
}
