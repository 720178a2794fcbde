// Package testproc runs the real programs integration tests start (browsers above all) so that they never
// outlive the test: the whole process group is killed at cleanup, waits are bounded, and scratch folders
// that helper processes may still be writing are removed with bounded retries.
package testproc

import (
	"os"
	"testing"
	"time"
)

// TempDir is a scratch folder removed at cleanup, retrying for up to 5 s: a browser's helper processes may
// still write their profile for a moment after the browser is killed, which t.TempDir reports as an error.
func TempDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

// WaitFile polls for path every 100 ms for at most max and returns its content once it exists.
func WaitFile(path string, max time.Duration) ([]byte, error) {
	deadline := time.Now().Add(max)
	for {
		data, err := os.ReadFile(path)
		if err == nil || time.Now().After(deadline) {
			return data, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
