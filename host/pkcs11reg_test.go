package main

import (
	"testing"

	"github.com/ponte-it/ponte/host/p11"
)

// install offers Firefox the installed libraries of the drivers card families need (OpenSC here; SoftHSM,
// installed too, is no card's driver), or exactly the modules the user named.
func TestPKCS11Modules(t *testing.T) {
	present := map[string]bool{"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so": true, "/usr/lib/softhsm/libsofthsm2.so": true}
	env := map[string]string{}
	l := p11.Locator{GOOS: "linux", GOARCH: "amd64", Getenv: func(k string) string { return env[k] },
		Exists: func(p string) bool { return present[p] }}
	mods := pkcs11Modules(l)
	if len(mods) != 1 || mods[0].Name != "it.ponte.opensc" || mods[0].Path != "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so" || mods[0].Description != "Ponte: OpenSC" {
		t.Fatalf("driver table: %+v", mods)
	}
	env[p11.EnvModule] = "/opt/card/libcard.so:/usr/lib/softhsm/libsofthsm2.so"
	mods = pkcs11Modules(l)
	if len(mods) != 2 || mods[0].Name != "it.ponte.libcard" || mods[1].Name != "it.ponte.libsofthsm2" || mods[1].Path != "/usr/lib/softhsm/libsofthsm2.so" {
		t.Fatalf("overrides: %+v", mods)
	}
}
