package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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
