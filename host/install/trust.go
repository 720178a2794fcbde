package install

import (
	"fmt"
	"os"
	"path/filepath"
)

// A system-wide install points every user's browser at ponte-host (and Firefox at the PKCS#11 modules):
// whoever can replace that file, or rename any folder above it, runs code as every user who opens a
// page with Ponte, and sees their PINs. So `install --system` accepts only paths that root owns and only
// root can change, all the way up (issue 15; the rule sudo applies to its secure_path and polkit to its
// helpers).

// UntrustedPathError says which part of a path is not safe and why.
type UntrustedPathError struct {
	Path, Part, Why string
}

func (e *UntrustedPathError) Error() string {
	return fmt.Sprintf("%s non è sicuro per un'installazione per tutti gli utenti: %s %s. "+
		"Copialo in una cartella di sistema (per esempio sudo install -o root -g root -m 0755 FILE /usr/local/bin/) e riprova / "+
		"%s is not safe for an all-users install: %s %s. Copy it into a system folder (e.g. sudo install -o root -g root -m 0755 FILE /usr/local/bin/) and try again",
		e.Path, e.Part, whyIT[e.Why], e.Path, e.Part, e.Why)
}

var whyIT = map[string]string{
	whyOwner:    "non appartiene a root",
	whyWritable: "può essere modificato da altri utenti",
	whyMissing:  "non esiste",
}

const (
	whyOwner    = "is not owned by root"
	whyWritable = "is writable by other users"
	whyMissing  = "does not exist"
)

// checkTrusted checks the path as given (every symbolic link on it included) and the file it resolves
// to, each from the file up to top ("/" outside tests).
func checkTrusted(path, top string) error {
	if err := checkChain(path, path, top); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return &UntrustedPathError{path, path, whyMissing}
	}
	if real == path {
		return nil
	}
	return checkChain(path, real, "/")
}

// checkChain checks p and every parent folder up to top: owned by root, writable by nobody else.
func checkChain(orig, p, top string) error {
	for {
		st, err := os.Lstat(p)
		if err != nil {
			return &UntrustedPathError{orig, p, whyMissing}
		}
		if uid, ok := ownerUID(st); ok && uid != 0 {
			return &UntrustedPathError{orig, p, whyOwner}
		}
		// A symbolic link's own mode means nothing (lrwxrwxrwx); what it points to is checked too.
		if st.Mode()&os.ModeSymlink == 0 && st.Mode().Perm()&0o022 != 0 {
			return &UntrustedPathError{orig, p, whyWritable}
		}
		if p == top || p == filepath.Dir(p) {
			return nil
		}
		p = filepath.Dir(p)
	}
}

// checkSystemPaths applies checkTrusted to ponte-host and the PKCS#11 modules of a system install.
func checkSystemPaths(cfg Config, top string) error {
	if err := checkTrusted(cfg.HostPath, top); err != nil {
		return err
	}
	for _, m := range cfg.PKCS11 {
		if err := checkTrusted(m.Path, top); err != nil {
			return err
		}
	}
	return nil
}
