// Package winscard is the part of the PC/SC API (the WinSCard functions of PC/SC Workgroup part 5) that
// host/pcsc uses, with one Go API on every OS:
//
//   - Linux and Windows: github.com/ebfe/scard (cgo against libpcsclite on Linux, winscard.dll on
//     Windows), re-exported as aliases (scard.go);
//   - macOS: PCSC.framework called through github.com/ebitengine/purego, without cgo, so that ponte-host
//     cross-compiles from Linux (purego.go). The same code builds on Linux against libpcsclite with
//     -tags ponte_purego, which is how it is tested (TestPuregoVariant in host/p11/ck runs host/pcsc's
//     tests that way); with -tags ponte_purego,ponte_apple_abi it uses the macOS layout against
//     testdata/apple_abi.c, a library with PCSC.framework's ABI forwarding to pcsc-lite
//     (apple_abi_test.go), and the C layouts of both libraries are checked against their headers
//     (layout_test.go).
//
// Type, method and constant names are those of github.com/ebfe/scard, so host/pcsc reads the same on
// every OS.
package winscard
