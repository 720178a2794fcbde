//go:build ponte_purego && ponte_apple_abi

package winscard

import "os"

// With ponte_apple_abi (tests only) the package uses the macOS layout on Linux, against the library
// named by PONTE_APPLE_ABI_PCSC: testdata/apple_abi.c, which has PCSC.framework's ABI and forwards to
// pcsc-lite (apple_abi_test.go builds it and runs host/pcsc's tests this way).
func libPath() string { return os.Getenv("PONTE_APPLE_ABI_PCSC") }

var native = &abiApple
