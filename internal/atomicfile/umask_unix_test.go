//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A new file gets 0666 less the umask, as os.Create gives, for every umask (not a fixed 0644); the
// names do not collide.
func TestCreateTempRespectsUmask(t *testing.T) {
	dir := t.TempDir()
	for _, mask := range []int{0o022, 0o027, 0o077, 0o002} {
		old := syscall.Umask(mask)
		f, err := CreateTemp(dir, "out.pdf")
		g, err2 := CreateTemp(dir, "out.pdf")
		syscall.Umask(old)
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		f.Close()
		g.Close()
		st, err := os.Stat(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if want := os.FileMode(0o666 &^ mask); st.Mode().Perm() != want {
			t.Errorf("umask %03o: mode %v, want %v", mask, st.Mode().Perm(), want)
		}
		if f.Name() == g.Name() || filepath.Dir(f.Name()) != dir {
			t.Errorf("names %s %s", f.Name(), g.Name())
		}
	}
}
