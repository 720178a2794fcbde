//go:build ponte_purego && !ponte_apple_abi

package winscard

// libPath is pcsc-lite's client library (Debian package libpcsclite1), found by the dynamic loader.
func libPath() string { return "libpcsclite.so.1" }

var native = &abiLite64
