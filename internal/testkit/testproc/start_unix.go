//go:build !windows

package testproc

import (
	"os/exec"
	"syscall"
	"testing"
)

// Start starts cmd in its own process group and kills the whole group at cleanup, so a browser's helper
// processes go with it.
func Start(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
}
