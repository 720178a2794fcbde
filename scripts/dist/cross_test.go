package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestTarGz(t *testing.T) {
	data := tarGz("top", map[string][]byte{"b.sh": []byte("#!/bin/sh\n"), "a": []byte("x")}, map[string]fs.FileMode{"b.sh": 0o755})
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got = append(got, h.Name+" "+fs.FileMode(h.Mode).String()+" "+string(body))
	}
	want := []string{"top/ -rwxr-xr-x ", "top/a -rw-r--r-- x", "top/b.sh -rwxr-xr-x #!/bin/sh\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("entries %q, want %q", got, want)
	}
}

// The macOS install and uninstall scripts, run with sh against a stand-in ponte-host that records how it
// was called (xattr is missing off macOS, which the script tolerates).
func TestDarwinScripts(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	home, pkg := t.TempDir(), t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	for _, s := range []string{"install.sh", "uninstall.sh"} {
		b, _ := assets.ReadFile("assets/darwin/" + s)
		os.WriteFile(filepath.Join(pkg, s), b, 0o755)
	}
	os.WriteFile(filepath.Join(pkg, "ponte-host"), []byte("#!/bin/sh\necho \"$0 $*\" >> '"+calls+"'\n"), 0o755)
	run := func(script string, args ...string) {
		t.Helper()
		cmd := exec.Command(sh, append([]string{filepath.Join(pkg, script)}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	run("install.sh")
	dest := filepath.Join(home, "Library/Application Support/Ponte/ponte-host")
	if st, err := os.Stat(dest); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("installed host: %v %v", st, err)
	}
	run("uninstall.sh")
	log, _ := os.ReadFile(calls)
	if string(log) != dest+" install\n"+dest+" uninstall\n" {
		t.Errorf("ponte-host calls:\n%s", log)
	}
	if _, err := os.Stat(filepath.Dir(dest)); !os.IsNotExist(err) {
		t.Errorf("Ponte folder left after uninstall: %v", err)
	}
}
