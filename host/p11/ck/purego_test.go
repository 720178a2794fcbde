//go:build !ponte_purego

package ck

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testenv"
)

// TestPuregoVariant runs host/p11's tests again with the purego binding that macOS uses (-tags
// ponte_purego, CGO_ENABLED=0): the same module calls with the same LP64 layout, against SoftHSM2 and
// the test modules when PONTE_INTEGRATION=1 (the variable passes through).
func TestPuregoVariant(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the purego variant is tested on linux/amd64 and linux/arm64")
	}
	env := []string{"CGO_ENABLED=0"}
	deps := testenv.Go(t, env, "list", "-tags", "ponte_purego", "-deps", "./host/p11")
	if !strings.Contains(deps, "github.com/ebitengine/purego\n") || strings.Contains(deps, "github.com/miekg/pkcs11") {
		t.Fatalf("the ponte_purego build of host/p11 does not use purego alone:\n%s", deps)
	}
	out := testenv.Go(t, env, "test", "-count=1", "-tags", "ponte_purego", "-v", "./host/p11/...")
	if testenv.Integration() && !strings.Contains(out, "--- PASS: TestPINPadLogin") {
		t.Errorf("the integration tests did not run in the purego variant:\n%s", out)
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
