package testproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dead: no such process, or a zombie waiting to be reaped (it runs no more).
func dead(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

func TestStartKillsTheGroup(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := TempDir(t, "testproc-")
	pidFile := filepath.Join(dir, "child")
	var child int
	t.Run("run", func(t *testing.T) {
		// The shell starts a child that a plain Kill of the shell would leave running.
		Start(t, exec.Command(sh, "-c", "sleep 300 & echo $! > "+pidFile+".tmp && mv "+pidFile+".tmp "+pidFile+"; wait"))
		got, err := WaitFile(pidFile, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if child, err = strconv.Atoi(strings.TrimSpace(string(got))); err != nil {
			t.Fatal(err)
		}
	})
	for i := 0; i < 50 && !dead(child); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !dead(child) {
		t.Errorf("child %d outlived the cleanup", child)
	}
}

func TestWaitFileGivesUp(t *testing.T) {
	if _, err := WaitFile(filepath.Join(t.TempDir(), "never"), 300*time.Millisecond); err == nil {
		t.Error("found a missing file")
	}
}
