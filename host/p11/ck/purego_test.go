//go:build !ponte_purego

package ck

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestPuregoVariant runs the tests of host/pcsc, host/p11 and host/cards again with the purego bindings
// that macOS uses (ponte_purego, CGO_ENABLED=0): the same PC/SC calls with pcsc-lite's layout against the
// private pcscd and vpcd reader, the same PKCS#11 calls with the same LP64 layout against SoftHSM2 and
// the test modules, when PONTE_INTEGRATION=1 (the variable passes through). host/cards' tests build
// ponte-host, which the tag in GOFLAGS makes the purego one (PONTE_BUILD is cleared so that a prebuilt
// cgo binary is not used instead), and drive every card operation through it.
func TestPuregoVariant(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the purego variant is tested on linux/amd64 and linux/arm64")
	}
	goflags := strings.TrimSpace(testenv.Go(t, nil, "env", "GOFLAGS"))
	env := []string{"CGO_ENABLED=0", "PONTE_BUILD=", "GOFLAGS=" + strings.TrimSpace(goflags+" -tags=ponte_purego")}
	deps := testenv.Go(t, env, "list", "-deps", "./host")
	if !strings.Contains(deps, "github.com/ebitengine/purego\n") || strings.Contains(deps, "github.com/miekg/pkcs11") ||
		strings.Contains(deps, "github.com/ebfe/scard") {
		t.Fatalf("the ponte_purego build of ponte-host does not use purego alone:\n%s", deps)
	}
	out := testenv.Go(t, env, "test", "-count=1", "-v", "./host/pcsc/...", "./host/p11/...", "./host/cards")
	if testenv.Integration() {
		for _, test := range []string{"TestRemovedMidRead", "TestReadersAndEvents", "TestPINPadLogin", "TestEveryCardOperationThroughTheHost"} {
			if !strings.Contains(out, "--- PASS: "+test+" ") {
				t.Errorf("%s did not pass in the purego variant:\n%s", test, out)
			}
		}
	}
}

// TestDarwinBuild cross-compiles ponte-host's packages for macOS without cgo, as make dist does, and
// vets the two bindings there.
func TestDarwinBuild(t *testing.T) {
	for _, arch := range []string{"arm64", "amd64"} {
		env := []string{"CGO_ENABLED=0", "GOOS=darwin", "GOARCH=" + arch}
		testenv.Go(t, env, "build", "./host/...")
		testenv.Go(t, env, "vet", "./host/pcsc/winscard", "./host/p11/ck")
	}
}
