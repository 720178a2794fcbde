package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ponte-it/ponte/host/webui"
)

//go:embed assets
var assets embed.FS

// target is a host archive for another OS. On Windows ponte-host uses cgo for PKCS#11
// (github.com/miekg/pkcs11), so that build needs MinGW-w64 (Debian package gcc-mingw-w64-x86-64);
// without it the build is tried with CGO_ENABLED=0 and, failing, the archive is skipped with the reason.
// On macOS ponte-host has no cgo at all (host/pcsc/winscard and host/p11/ck call PCSC.framework and the
// PKCS#11 module through purego), so cc is empty and the macOS archives are always built.
type target struct {
	goos, goarch, cc string
	exe              string   // binary name in the archive
	scripts          []string // files from assets/<goos>/
}

var targets = []target{
	{"darwin", "arm64", "", "ponte-host", []string{"install.sh", "uninstall.sh", "LEGGIMI-README.txt"}},
	{"darwin", "amd64", "", "ponte-host", []string{"install.sh", "uninstall.sh", "LEGGIMI-README.txt"}},
	{"windows", "amd64", "x86_64-w64-mingw32-gcc", "ponte-host.exe", []string{"install.ps1", "install.cmd", "uninstall.ps1", "uninstall.cmd"}},
}

func (d *dist) hostArchives() error {
	if out, err := exec.Command("go", "list", "-f", "{{.Name}}", "./host").Output(); err != nil || strings.TrimSpace(string(out)) != "main" {
		fmt.Println("dist: host archives skipped: ./host is not a main package yet")
		return nil
	}
	tmp, err := os.MkdirTemp("", "ponte-cross-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The UI `ponte-host serve` offers is embedded as make build embeds it (host/webui).
	overlay := filepath.Join(d.build, webui.OverlayName)
	if _, err := os.Stat(overlay); err != nil {
		fmt.Printf("dist: host archives without the UI for ponte-host serve: %v (run make build)\n", err)
		overlay = ""
	}
	for _, t := range targets {
		bin := filepath.Join(tmp, t.goos+"-"+t.goarch, t.exe)
		if why := crossBuild(t, bin, d.version, overlay); why != "" {
			fmt.Printf("dist: %s/%s host archive skipped: %s\n", t.goos, t.goarch, why)
			continue
		}
		files := map[string][]byte{}
		modes := map[string]fs.FileMode{}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		files[t.exe], modes[t.exe] = data, 0o755
		for _, s := range t.scripts {
			b, err := assets.ReadFile("assets/" + t.goos + "/" + s)
			if err != nil {
				return err
			}
			files[s], modes[s] = b, 0o755
			if strings.HasSuffix(s, ".txt") {
				modes[s] = 0o644
			}
		}
		base := fmt.Sprintf("ponte-host-%s-%s-%s", fileVersion(d.version), t.goos, t.goarch)
		if t.goos == "windows" {
			z, err := zipBytes(files, modes)
			if err != nil {
				return err
			}
			err = d.emit(base+".zip", z)
		} else {
			err = d.emit(base+".tar.gz", tarGz(base, files, modes))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// crossBuild builds ./host for t into bin, with the go build overlay file if not ""; it returns why it
// could not, or "".
func crossBuild(t target, bin, version, overlay string) string {
	env := append(os.Environ(), "GOOS="+t.goos, "GOARCH="+t.goarch)
	how := "CGO_ENABLED=0 (no " + t.cc + " cross compiler)"
	if t.cc == "" {
		how = "CGO_ENABLED=0"
		env = append(env, "CGO_ENABLED=0")
	} else if _, err := exec.LookPath(t.cc); err == nil {
		env = append(env, "CGO_ENABLED=1", "CC="+t.cc)
		how = "CGO_ENABLED=1 CC=" + t.cc
	} else {
		env = append(env, "CGO_ENABLED=0")
	}
	args := []string{"build", "-trimpath", "-ldflags", "-s -w -X github.com/ponte-it/ponte/internal/buildinfo.Version=" + version}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, "-o", bin, "./host")...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) > 4 {
			lines = append(lines[:4], "...")
		}
		return how + " failed:\n    " + strings.Join(lines, "\n    ")
	}
	return ""
}

// tarGz packs files under a top folder, in name order, with a fixed time.
func tarGz(top string, files map[string][]byte, modes map[string]fs.FileMode) []byte {
	names := sortedNames(files)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: when})
	for _, n := range names {
		mode, ok := modes[n]
		if !ok {
			mode = 0o644
		}
		tw.WriteHeader(&tar.Header{Name: top + "/" + n, Mode: int64(mode), Size: int64(len(files[n])), ModTime: when, Typeflag: tar.TypeReg})
		tw.Write(files[n])
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}
