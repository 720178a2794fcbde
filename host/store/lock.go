package store

import "os"

// lockName is the file every host process of the user locks around a journal write on Windows (on unix
// the folder itself is locked: lock_unix.go openLock). Two browser profiles, a tab and `ponte renew`, or
// the extension and the local app each run their own ponte-host:
// the lock must be the kernel's, not a mutex, and it is released by the kernel when a process dies, so
// a crashed host never leaves the journal locked.
const lockName = ".lock"

// lockDir takes the journal folder's lock, waiting for another holder, and returns its release. The
// lock belongs to the open file (flock / LockFileEx), so two calls in one process exclude each other too.
func lockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := openLock(dir)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}
