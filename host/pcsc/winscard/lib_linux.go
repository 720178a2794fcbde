//go:build ponte_purego

package winscard

// libPath is pcsc-lite's client library (Debian package libpcsclite1), found by the dynamic loader.
const libPath = "libpcsclite.so.1"

var native = &abiLite64
