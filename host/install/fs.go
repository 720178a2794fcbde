package install

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// FS is the file system the installer writes to. OSFS is the real one; tests of the Windows logic on Linux
// use an in-memory one.
type FS interface {
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces name atomically, creating its parent folders.
	WriteFile(name string, data []byte, perm fs.FileMode) error
	Remove(name string) error
	Exists(name string) bool
	// Executable reports whether name is a file the browser can run.
	Executable(name string) bool
}

// OSFS is the real file system, with every path placed under Root when Root is set (like DESTDIR: the
// package build writes the system-wide manifests into its staging tree; tests use a temporary folder).
type OSFS struct{ Root string }

func (o OSFS) path(name string) string {
	if o.Root == "" {
		return name
	}
	return filepath.Join(o.Root, name)
}

func (o OSFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(o.path(name)) }

func (o OSFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	p := o.path(name)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ponte-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes 0600 files; browsers of other users must read system-wide manifests.
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func (o OSFS) Remove(name string) error { return os.Remove(o.path(name)) }

func (o OSFS) Exists(name string) bool {
	_, err := os.Stat(o.path(name))
	return err == nil
}

func (o OSFS) Executable(name string) bool {
	st, err := os.Stat(o.path(name))
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || st.Mode().Perm()&0o111 != 0
}
