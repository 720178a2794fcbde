// Package atomicfile writes a file so that a crash leaves either the old content or the new, never half of
// it: a temporary file in the same folder, written, synced, then renamed over the target (POSIX rename is
// atomic within a file system).
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically with mode perm, creating the folder (0700) if needed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CreateTemp creates a new temporary file in dir, named "."+base+".<random>.tmp", with the mode a
// user's new file gets: 0666 less the umask (and whatever default ACL the folder gives), as os.Create
// does. os.CreateTemp's 0600 suits private data; a signed document is the user's file and keeps the
// permissions the user chose for new files (issue 15: signed outputs were 0644 whatever the umask).
func CreateTemp(dir, base string) (*os.File, error) {
	var err error
	for range 100 {
		var rnd [8]byte
		if _, err = rand.Read(rnd[:]); err != nil {
			return nil, err
		}
		name := filepath.Join(dir, "."+base+"."+hex.EncodeToString(rnd[:])+".tmp")
		f, e := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if e == nil {
			return f, nil
		}
		if err = e; !os.IsExist(e) {
			return nil, e
		}
	}
	return nil, err
}
