//go:build !ponte_purego

package winscard

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestAppleABIVariant runs host/pcsc's tests with the purego binding in its macOS layout (abiApple:
// 32-bit DWORD and handles, packed 61-byte reader states, 8-byte PCI) against testdata/apple_abi.c, a
// library with PCSC.framework's ABI that forwards to pcsc-lite, so the private pcscd and vpcd reader
// answer (PONTE_INTEGRATION=1 passes through). A layout mistake on the macOS side fails these tests.
func TestAppleABIVariant(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the macOS-ABI variant is tested on linux/amd64 and linux/arm64")
	}
	gcc := testenv.Tool(t, "gcc")
	testenv.File(t, "pcsc-lite headers (libpcsclite-dev)", "/usr/include/PCSC/winscard.h")
	shim := filepath.Join(t.TempDir(), "apple_abi.so")
	if out, err := exec.Command(gcc, "-shared", "-fPIC", "-Wall", "-o", shim, "-I/usr/include/PCSC",
		filepath.Join("testdata", "apple_abi.c"), "-ldl").CombinedOutput(); err != nil {
		t.Fatalf("gcc apple_abi.c: %v\n%s", err, out)
	}
	env := []string{"CGO_ENABLED=0", "PONTE_APPLE_ABI_PCSC=" + shim}
	out := testenv.Go(t, env, "test", "-count=1", "-v", "-tags", "ponte_purego,ponte_apple_abi", "./host/pcsc/...")
	if testenv.Integration() {
		for _, test := range []string{"TestReadersAndEvents", "TestReadCard", "TestRemovedMidRead", "TestTwoCardsAtOnce"} {
			if !strings.Contains(out, "--- PASS: "+test+" ") {
				t.Errorf("%s did not pass with the macOS layout:\n%s", test, out)
			}
		}
	}
}
