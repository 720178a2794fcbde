//go:build unix

package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock(2) on f, retrying when a signal interrupts the wait.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// openLock opens what the lock is taken on: the journal folder itself, not a file in it. A lock file can
// be deleted while a host holds it (a cleaner of dot files); the next host then creates and locks a new
// file of the same name while the first is still between its version check and its write, and both writes
// pass the compare-and-swap (TestLockFileDeletedWhileHeld). The folder cannot go while it holds records
// without the journal going with it. flock(2) works on a directory opened read-only (Linux, macOS, BSD).
func openLock(dir string) (*os.File, error) { return os.Open(dir) }
