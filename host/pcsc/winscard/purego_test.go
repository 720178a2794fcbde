//go:build !ponte_purego

package winscard

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testenv"
)

// TestPuregoVariant runs host/pcsc's tests again with the purego binding that macOS uses (-tags
// ponte_purego, CGO_ENABLED=0): the same calls, with pcsc-lite's layout, against the same private pcscd
// and vpcd reader when PONTE_INTEGRATION=1 (the variable passes through).
func TestPuregoVariant(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the purego variant is tested on linux/amd64 and linux/arm64")
	}
	env := []string{"CGO_ENABLED=0"}
	deps := testenv.Go(t, env, "list", "-tags", "ponte_purego", "-deps", "./host/pcsc")
	if !strings.Contains(deps, "github.com/ebitengine/purego\n") || strings.Contains(deps, "github.com/ebfe/scard") {
		t.Fatalf("the ponte_purego build of host/pcsc does not use purego alone:\n%s", deps)
	}
	out := testenv.Go(t, env, "test", "-count=1", "-tags", "ponte_purego", "-v", "./host/pcsc/...")
	if testenv.Integration() && !strings.Contains(out, "--- PASS: TestReadCard") {
		t.Errorf("the integration tests did not run in the purego variant:\n%s", out)
	}
}
