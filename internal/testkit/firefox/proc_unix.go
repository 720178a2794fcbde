//go:build !windows

package firefox

import (
	"os/exec"
	"syscall"
)

// Firefox starts content and utility processes; a process group lets Stop end them all.
func setProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
