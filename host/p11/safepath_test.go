//go:build unix

package p11

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The search loads every installed library of the table, so a table path must not lead where another
// user can write: a library in a world-writable directory, reached directly or through a symlink, or a
// library file writable by others is not installed as far as the search is concerned; the same file
// laid out safely is. (The owner check needs a second user; the tests run as one.)
func TestSafeModulePath(t *testing.T) {
	d, _ := DriverByName("opensc")
	rel := d.Candidates("linux", runtime.GOARCH)[0]
	layout := func(t *testing.T, fileMode, dirMode os.FileMode, viaLink bool) Locator {
		root := t.TempDir()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		target := p
		if viaLink {
			other := filepath.Join(t.TempDir(), "drop")
			if err := os.Mkdir(other, 0o755); err != nil {
				t.Fatal(err)
			}
			target = filepath.Join(other, "lib.so")
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(target, []byte("\x7fELF not really"), 0o644); err != nil {
			t.Fatal(err)
		}
		// chmod, not the create mode: the umask would hide the bits under test.
		if err := os.Chmod(target, fileMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(target), dirMode); err != nil {
			t.Fatal(err)
		}
		return Locator{Getenv: func(string) string { return "" }, GOOS: "linux", GOARCH: runtime.GOARCH, Root: root,
			Exists: func(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }, Safe: SafeModulePath}
	}
	cases := []struct {
		name              string
		fileMode, dirMode os.FileMode
		link, safe        bool
	}{
		{"root-like layout", 0o755, 0o755, false, true},
		{"world-writable directory", 0o755, 0o777, false, false},
		{"group-writable file", 0o775, 0o755, false, false},
		{"symlink into a world-writable directory", 0o755, 0o777, true, false},
		{"symlink to a safe file", 0o755, 0o755, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := layout(t, c.fileMode, c.dirMode, c.link)
			_, installed := l.Installed("opensc")
			cands, err := l.FindAll()
			if err != nil {
				t.Fatal(err)
			}
			if installed != c.safe || (len(cands) == 1) != c.safe {
				t.Errorf("installed %v, %d modules to load; want safe=%v", installed, len(cands), c.safe)
			}
			// diagnose says why, in both languages, rather than "install it".
			r := DiagnoseDrivers(l, []string{"opensc"}, func(p string) ProbeResult { return ProbeResult{Path: p} })[0]
			refused := strings.Contains(r.HintIT, "altri utenti possono modificare") && strings.Contains(r.HintEN, "other users can change") &&
				strings.Contains(r.Error, "writable by other users")
			if refused == c.safe || r.Installed != c.safe {
				t.Errorf("diagnose: installed %v, error %q, hint %q", r.Installed, r.Error, r.HintIT)
			}
		})
	}
}
