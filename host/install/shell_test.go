package install

import (
	"os/exec"
	"testing"
)

func shellPath(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	return sh
}

func runShell(sh, script string, args ...string) (string, error) {
	out, err := exec.Command(sh, append([]string{"-c", script, "sh"}, args...)...).Output()
	return string(out), err
}
