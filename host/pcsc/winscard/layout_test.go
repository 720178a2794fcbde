package winscard

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The layouts purego.go uses on macOS (abiApple) and on Linux (abiLite64), checked with the C compiler
// against pcsc-lite's headers (libpcsclite-dev): as they are for Linux, and with __APPLE__ defined, the
// branch that follows PCSC.framework's headers (uint32_t DWORD, int32_t LONG, SCARD_READERSTATE under
// #pragma pack(1)). That branch still declares SCARD_IO_REQUEST with unsigned long, where
// PCSC.framework's pcsclite.h has two uint32_t under #pragma pack(1) (MacOSX SDK 11.3): for macOS the
// test compares it with that declaration, restated in appleIORequest.
func TestLayoutMatchesHeaders(t *testing.T) {
	testenv.File(t, "pcsc-lite headers (libpcsclite-dev)", "/usr/include/PCSC/winscard.h")
	fields := []struct {
		c   string
		val func(a *abi) int
	}{
		{"sizeof(DWORD)", func(a *abi) int { return a.word }},
		{"sizeof(LONG)", func(a *abi) int { return a.word }},
		{"sizeof(SCARDCONTEXT)", func(a *abi) int { return a.word }},
		{"sizeof(SCARDHANDLE)", func(a *abi) int { return a.word }},
		{"offsetof(SCARD_READERSTATE, szReader)", func(a *abi) int { return 0 }},
		{"offsetof(SCARD_READERSTATE, pvUserData)", func(a *abi) int { return 8 }},
		{"offsetof(SCARD_READERSTATE, dwCurrentState)", func(a *abi) int { return a.rsCurrentState }},
		{"offsetof(SCARD_READERSTATE, dwEventState)", func(a *abi) int { return a.rsEventState }},
		{"offsetof(SCARD_READERSTATE, cbAtr)", func(a *abi) int { return a.rsCbAtr }},
		{"offsetof(SCARD_READERSTATE, rgbAtr)", func(a *abi) int { return a.rsAtr }},
		{"sizeof(((SCARD_READERSTATE *)0)->rgbAtr)", func(a *abi) int { return maxATR }},
		{"sizeof(SCARD_READERSTATE)", func(a *abi) int { return a.rsSize }},
		{"sizeof(IO_REQUEST)", func(a *abi) int { return a.ioSize }},
		{"offsetof(IO_REQUEST, cbPciLength)", func(a *abi) int { return a.word }},
	}
	exprs := make([]string, len(fields))
	for i, f := range fields {
		exprs[i] = f.c
	}
	for _, tc := range []struct {
		abi     *abi
		prelude string
	}{
		{&abiLite64, "#include <winscard.h>\ntypedef SCARD_IO_REQUEST IO_REQUEST;"},
		{&abiApple, "#define __APPLE__ 1\n#include <winscard.h>\n" + appleIORequest},
	} {
		got := testenv.CValues(t, []string{"-I/usr/include/PCSC"}, tc.prelude, exprs)
		for i, f := range fields {
			if want := f.val(tc.abi); got[i] != uint64(want) {
				t.Errorf("%s: %s is %d in the header, %d in abi", tc.abi.name, f.c, got[i], want)
			}
		}
	}
}

// appleIORequest is SCARD_IO_REQUEST as PCSC.framework/Headers/pcsclite.h declares it.
const appleIORequest = `#pragma pack(1)
typedef struct { uint32_t dwProtocol; uint32_t cbPciLength; } IO_REQUEST;
#pragma pack()`

// Every constant of the purego build has the value of the C name in its comment, in both header
// branches (PCSC.framework's pcsclite.h has the same values: MacOSX SDK, PCSC.framework/Headers).
func TestConstantsMatchHeaders(t *testing.T) {
	testenv.File(t, "pcsc-lite headers (libpcsclite-dev)", "/usr/include/PCSC/winscard.h")
	consts := testenv.GoConsts(t, "consts_purego.go")
	if len(consts) < 30 {
		t.Fatalf("only %d constants read from consts_purego.go", len(consts))
	}
	exprs := make([]string, len(consts))
	for i, c := range consts {
		exprs[i] = "(uint32_t)(" + c.Comment + ")"
	}
	for _, prelude := range []string{"#include <winscard.h>", "#define __APPLE__ 1\n#include <winscard.h>"} {
		got := testenv.CValues(t, []string{"-I/usr/include/PCSC"}, prelude, exprs)
		for i, c := range consts {
			if got[i] != c.Value {
				t.Errorf("%s = %#x, but %s is %#x (%q)", c.Name, c.Value, c.Comment, got[i], prelude)
			}
		}
	}
}

// Encoding an array of reader states and reading back what the library writes, in both layouts.
func TestReaderStateRoundTrip(t *testing.T) {
	for _, a := range []*abi{&abiApple, &abiLite64} {
		in := []stateIn{{reader: 0x1122334455667788, current: 0x00010022, atr: []byte{0x3B, 0x8F}},
			{reader: 0x99, current: 0x10, atr: bytes.Repeat([]byte{0xAA}, 40)}}
		buf := a.encodeStates(in)
		if len(buf) != 2*a.rsSize {
			t.Fatalf("%s: %d bytes for 2 states", a.name, len(buf))
		}
		// The library answers: event state and ATR of the second entry.
		e := buf[a.rsSize:]
		a.putWord(e[a.rsEventState:], 0x00030122)
		a.putWord(e[a.rsCbAtr:], 3)
		copy(e[a.rsAtr:], []byte{1, 2, 3})
		if ev, atr := a.decodeState(buf, 1); ev != 0x00030122 || !reflect.DeepEqual(atr, []byte{1, 2, 3}) {
			t.Errorf("%s: decoded %#x %x", a.name, ev, atr)
		}
		if ev, atr := a.decodeState(buf, 0); ev != 0 || !reflect.DeepEqual(atr, []byte{0x3B, 0x8F}) {
			t.Errorf("%s: first entry decoded %#x %x", a.name, ev, atr)
		}
		if got := a.getWord(buf[a.rsCbAtr:]); got != 2 {
			t.Errorf("%s: cbAtr %d", a.name, got)
		}
		if got := a.getWord(buf[a.rsSize+a.rsCbAtr:]); got != 3 {
			t.Errorf("%s: second cbAtr %d (an ATR longer than MAX_ATR_SIZE is cut)", a.name, got)
		}
		// A forged cbAtr larger than the array is capped, not read past the entry.
		a.putWord(e[a.rsCbAtr:], 1000)
		if _, atr := a.decodeState(buf, 1); len(atr) != maxATR {
			t.Errorf("%s: forged cbAtr gave %d bytes", a.name, len(atr))
		}
	}
}

func TestMultiString(t *testing.T) {
	for in, want := range map[string][]string{
		"":                 nil,
		"\x00":             nil,
		"A\x00B C\x00\x00": {"A", "B C"},
		"A\x00B":           {"A", "B"}, // no terminator: the rest is the last name
	} {
		if got := multiString([]byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("multiString(%q) = %q, want %q", in, got, want)
		}
	}
}

// A multi-string from the library never yields a name with a NUL, nor more names than NULs plus one.
func FuzzMultiString(f *testing.F) {
	f.Add([]byte("Reader A\x00Reader B\x00\x00"))
	f.Add([]byte("\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		names := multiString(b)
		if len(names) > bytes.Count(b, []byte{0})+1 {
			t.Fatalf("%d names from %q", len(names), b)
		}
		for _, n := range names {
			if n == "" || strings.ContainsRune(n, 0) {
				t.Fatalf("name %q from %q", n, b)
			}
		}
	})
}

// Decoding whatever the library leaves in an entry never reads outside it.
func FuzzDecodeState(f *testing.F) {
	f.Add(make([]byte, abiApple.rsSize), true)
	f.Fuzz(func(t *testing.T, entry []byte, apple bool) {
		a := &abiLite64
		if apple {
			a = &abiApple
		}
		buf := make([]byte, a.rsSize)
		copy(buf, entry)
		if _, atr := a.decodeState(buf, 0); len(atr) > maxATR {
			t.Fatalf("ATR of %d bytes", len(atr))
		}
	})
}
