package nssdb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// A real modutil on a temp database: nothing registered, then the module registered once (a second call
// changes nothing), as Chromium will read it.
func TestRegisterInATempDatabase(t *testing.T) {
	modutil := testenv.Tool(t, "modutil")
	lib := testenv.File(t, "SoftHSM2 (softhsm2)", "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
	conf := filepath.Join(t.TempDir(), "softhsm2.conf")
	tokens := t.TempDir()
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	dir := filepath.Join(t.TempDir(), ".pki", "nssdb")
	ctx := context.Background()

	st, err := Check(ctx, modutil, dir)
	if err != nil || st.Exists || st.Registered {
		t.Fatalf("empty home: %+v %v", st, err)
	}
	st, out, err := Register(ctx, modutil, dir, lib)
	if err != nil {
		t.Fatalf("register: %v\n%s", err, out)
	}
	if !st.Exists || !st.Registered || st.Library != lib {
		t.Fatalf("after register: %+v\n%s", st, out)
	}
	again, _, err := Register(ctx, modutil, dir, lib)
	if err != nil || again != st {
		t.Fatalf("second register: %+v %v", again, err)
	}
	if _, _, err := Register(ctx, modutil, dir, "libnothere.so"); err == nil {
		t.Fatal("a relative module path was accepted")
	}
}

func TestFindModule(t *testing.T) {
	list := "\nListing of PKCS #11 Modules\n-----\n  1. NSS Internal PKCS #11 Module\n\t   uri: pkcs11:x\n\t slots: 2 slots attached\n\n  2. Ponte CNS\n\tlibrary name: /usr/lib/x.so\n\t   uri: pkcs11:y\n"
	if ok, lib := findModule(list, ModuleName); !ok || lib != "/usr/lib/x.so" {
		t.Fatalf("%v %q", ok, lib)
	}
	if ok, _ := findModule(list, "Other"); ok {
		t.Fatal("found a module not listed")
	}
}
