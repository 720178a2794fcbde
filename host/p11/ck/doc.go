// Package ck is the part of the PKCS#11 API (OASIS PKCS#11 v2.40 base specification) that host/p11
// uses, with one Go API on every OS:
//
//   - Linux and Windows: github.com/miekg/pkcs11 (cgo, dlopen/LoadLibrary of the module), re-exported
//     as aliases (pkcs11.go);
//   - macOS: the module loaded and called through github.com/ebitengine/purego, without cgo, so that
//     ponte-host cross-compiles from Linux (purego.go). The same code builds on Linux with
//     -tags ponte_purego, which is how it is tested here against SoftHSM2 (purego_test.go); the C
//     layouts and constant values are checked against pkcs11t.h with the C compiler (layout_test.go).
//
// Type, function, method and constant names are those of github.com/miekg/pkcs11.
package ck
