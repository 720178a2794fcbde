//go:build unix

package p11

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// SafeModulePath refuses a table library another local user could have put there: dlopen runs the
// library's constructors in the host, with the user's card and PIN. The path is resolved through its
// symlinks and the file and every directory above it must be owned by root or by this user and not be
// writable by group or others, except a root-owned sticky directory (/tmp: nobody can replace another's
// entry there). The check OpenSSH applies to its keys and configuration (misc.c safe_path).
func SafeModulePath(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	uid := uint32(os.Getuid())
	for p := real; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		mode := st.Mode()
		switch {
		case sys.Uid != 0 && sys.Uid != uid:
			return fmt.Errorf("%s (via %s) is owned by another user (uid %d)", p, path, sys.Uid)
		case mode.Perm()&0o022 != 0 && !(mode.IsDir() && mode&os.ModeSticky != 0 && sys.Uid == 0):
			return fmt.Errorf("%s (via %s) is writable by other users (%v)", p, path, mode.Perm())
		}
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}
