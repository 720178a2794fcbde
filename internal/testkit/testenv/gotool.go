package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/webui"
)

// Go runs the go command in the repository root with env added to the test's environment and returns
// its combined output; a failure fails the test with that output. Tests use it to check other build
// configurations (build tags, GOOS) than the one running.
func Go(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = Root()
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// BuildArgs are the arguments of `go build` for a binary a test runs, as make build passes them: -trimpath
// and, when make build has written it (into PONTE_BUILD under make test, else build/), the overlay through
// which ponte-host embeds the built UI (host/webui); then args.
func BuildArgs(args ...string) []string {
	a := []string{"build", "-trimpath"}
	dir := os.Getenv("PONTE_BUILD")
	if dir == "" {
		dir = filepath.Join(Root(), "build")
	}
	if overlay := filepath.Join(dir, webui.OverlayName); fileExists(overlay) {
		a = append(a, "-overlay", overlay)
	}
	return append(a, args...)
}
