package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/macho"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// lcCodeSignature is LC_CODE_SIGNATURE (<mach-o/loader.h>): macOS on Apple silicon runs only signed
// code, and Go's linker ad-hoc signs darwin/arm64 executables.
const lcCodeSignature = 0x1d

// checkDarwinArchive opens a macOS host archive: ponte-host is a Mach-O executable for arch (as file(1)
// and debug/macho both say), links only system libraries at load time (PCSC.framework and the PKCS#11
// module are opened at run time), is signed on arm64, embeds ui (the build's app.html, unless nil) and no
// path of this checkout (-trimpath); the install scripts and the README are there, the scripts executable.
func checkDarwinArchive(t *testing.T, path, arch string, ui []byte) {
	t.Helper()
	fileCmd := testenv.Tool(t, "file")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("macOS %s archive: %v", arch, err)
		return
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	top := strings.TrimSuffix(filepath.Base(path), ".tar.gz")
	got, modes := map[string][]byte{}, map[string]fs.FileMode{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name, ok := strings.CutPrefix(h.Name, top+"/")
		if !ok {
			t.Errorf("%s: %s is outside %s/", path, h.Name, top)
		}
		if h.Typeflag == tar.TypeReg {
			got[name], _ = io.ReadAll(tr)
			modes[name] = fs.FileMode(h.Mode).Perm()
		}
	}
	for name, mode := range map[string]fs.FileMode{"ponte-host": 0o755, "install.sh": 0o755, "uninstall.sh": 0o755, "LEGGIMI-README.txt": 0o644} {
		if got[name] == nil || modes[name] != mode {
			t.Errorf("%s: %s missing or mode %v, want %v", path, name, modes[name], mode)
		}
	}
	if want, _ := assets.ReadFile("assets/darwin/install.sh"); !bytes.Equal(got["install.sh"], want) {
		t.Errorf("%s: install.sh is not assets/darwin/install.sh", path)
	}

	if ui != nil && !bytes.Contains(got["ponte-host"], ui) {
		t.Errorf("ponte-host for %s does not embed the built UI (app.html) for ponte-host serve", arch)
	}
	if bytes.Contains(got["ponte-host"], []byte(testenv.Root())) {
		t.Errorf("ponte-host for %s holds this checkout's path %s (built without -trimpath)", arch, testenv.Root())
	}

	exe := filepath.Join(t.TempDir(), "ponte-host")
	if err := os.WriteFile(exe, got["ponte-host"], 0o755); err != nil {
		t.Fatal(err)
	}
	desc, err := exec.Command(fileCmd, "-b", exe).Output()
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	wantFile := map[string]string{"arm64": "Mach-O 64-bit arm64 executable", "amd64": "Mach-O 64-bit x86_64 executable"}[arch]
	if !strings.HasPrefix(string(desc), wantFile) {
		t.Errorf("file(1) says ponte-host for %s is %q, want %q", arch, desc, wantFile)
	}
	f, err := macho.Open(exe)
	if err != nil {
		t.Fatalf("debug/macho: %v", err)
	}
	defer f.Close()
	if want := map[string]macho.Cpu{"arm64": macho.CpuArm64, "amd64": macho.CpuAmd64}[arch]; f.Cpu != want || f.Type != macho.TypeExec {
		t.Errorf("Mach-O header: cpu %v type %v, want %v executable", f.Cpu, f.Type, want)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		// Go's runtime and crypto/x509 link libSystem, CoreFoundation and Security; nothing may come from
		// outside the system, and PCSC.framework is opened at run time, not linked.
		if !strings.HasPrefix(l, "/usr/lib/") && !strings.HasPrefix(l, "/System/Library/Frameworks/") || strings.Contains(l, "PCSC") {
			t.Errorf("ponte-host for %s links %s at load time", arch, l)
		}
	}
	signed := false
	for _, l := range f.Loads {
		if raw := l.Raw(); len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == lcCodeSignature {
			signed = true
		}
	}
	if arch == "arm64" && !signed {
		t.Errorf("ponte-host for arm64 has no code signature: Apple silicon would refuse to run it")
	}
}
