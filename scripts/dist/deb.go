package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ponte-it/ponte/host/install"
)

const chromeWebStoreUpdateURL = "https://clients2.google.com/service/update2/crx"

// Where the package puts the Firefox add-on, and the policy that offers it.
const (
	xpiPath            = "/usr/share/ponte/ponte.xpi"
	firefoxPolicyPath  = "/etc/firefox/policies/policies.json" // Firefox and firefox-esr on Linux read it
	chromiumPolicyName = "ponte.json"
)

// chromiumPolicyDirs are the managed-policy folders of the Chromium family on Linux (Chrome Enterprise
// policy list, "Linux": /etc/opt/chrome/policies/managed; Debian's Chromium: /etc/chromium/policies/managed;
// Edge: /etc/opt/edge/policies/managed; Brave: /etc/brave/policies/managed). Every JSON file there is read.
var chromiumPolicyDirs = []string{
	"/etc/opt/chrome/policies/managed",
	"/etc/chromium/policies/managed",
	"/etc/opt/edge/policies/managed",
	"/etc/brave/policies/managed",
}

// sonamePackages are the Debian packages of the shared libraries ponte-host may link through cgo. Others are
// looked up with dpkg-query -S on the build machine.
var sonamePackages = map[string]string{
	"libc.so.6":        "libc6",
	"libpcsclite.so.1": "libpcsclite1",
	"libdl.so.2":       "libc6",
	"libpthread.so.0":  "libc6",
	"libm.so.6":        "libc6",
	"libresolv.so.2":   "libc6",
}

// deb stages the package tree and builds it with dpkg-deb (no debhelper: the tree is small and fixed).
func (d *dist) deb() error {
	version, err := debVersion(d.version)
	if err != nil {
		return err
	}
	hostBin := filepath.Join(d.build, "ponte-host")
	arch, depends, err := binaryFacts(hostBin)
	if err != nil {
		return err
	}
	stage, err := os.MkdirTemp("", "ponte-deb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.Chmod(stage, 0o755); err != nil { // MkdirTemp makes 0700; the tree's root is the package's /
		return err
	}

	if err := copyFile(hostBin, filepath.Join(stage, "usr/bin/ponte-host"), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(d.build, "ponte")); err == nil { // the ponte CLI, when built
		if err := copyFile(filepath.Join(d.build, "ponte"), filepath.Join(stage, "usr/bin/ponte"), 0o755); err != nil {
			return err
		}
	}
	// The system-wide manifests, written by the same code as `ponte-host install --system`.
	cfg := install.Config{HostPath: "/usr/bin/ponte-host", ChromeExtensionID: d.chromeID, FirefoxAddonID: d.firefoxID}
	if _, err := install.Install(cfg, install.Options{System: true, Env: &install.Env{GOOS: "linux"}, Root: stage}); err != nil {
		return err
	}
	if err := d.policies(stage); err != nil {
		return err
	}
	xpi, err := os.ReadFile(filepath.Join(d.out, d.name("extension", "firefox.xpi")))
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, xpiPath), xpi, 0o644); err != nil {
		return err
	}

	conffiles, size, err := treeFacts(stage)
	if err != nil {
		return err
	}
	control := strings.Join([]string{
		"Package: ponte",
		"Version: " + version,
		"Architecture: " + arch,
		"Maintainer: Ponte <ponte@ponte.it>",
		"Installed-Size: " + fmt.Sprint((size+1023)/1024),
		"Depends: " + strings.Join(depends, ", "),
		"Recommends: opensc-pkcs11",
		"Section: utils",
		"Priority: optional",
		"Homepage: https://github.com/ponte-it/ponte",
		"Description: Ponte: carta TS-CNS/CNS nel browser / TS-CNS/CNS smart card in the browser",
		" ponte-host è l'host di native messaging dell'estensione Ponte: legge la carta con",
		" PC/SC e PKCS#11, per rinnovarne i certificati e firmare. Il pacchetto lo registra",
		" per Chrome, Chromium, Edge, Brave e Firefox per tutti gli utenti.",
		" .",
		" ponte-host is the native messaging host of the Ponte extension: it reads the card",
		" over PC/SC and PKCS#11 to renew its certificates and sign. The package registers",
		" it with Chrome, Chromium, Edge, Brave and Firefox for every user.",
	}, "\n") + "\n"
	if err := writeFile(filepath.Join(stage, "DEBIAN/control"), []byte(control), 0o644); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, "DEBIAN/conffiles"), []byte(strings.Join(conffiles, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	name := fmt.Sprintf("ponte_%s_%s.deb", version, arch)
	// --root-owner-group: files owned by root:root without fakeroot (dpkg >= 1.19.0).
	cmd := exec.Command("dpkg-deb", "--root-owner-group", "--build", stage, filepath.Join(d.out, name))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb: %v\n%s", err, out)
	}
	d.made = append(d.made, name)
	return nil
}

// policies writes the browser policies that offer the extension to every user.
//
// Chromium family: ExtensionSettings with installation_mode "normal_installed" installs the extension and
// lets the user turn it off (Chrome Enterprise policy list, ExtensionSettings). Chromium installs only from
// an update URL (an update manifest pointing to a signed CRX), never from a local unpacked folder, so the
// policy names the Chrome Web Store's update URL: it takes effect once the extension is published there
// with this ID. An organisation hosting its own CRX passes -chrome-update-url.
//
// Firefox: ExtensionSettings with install_url file:///usr/share/ponte/ponte.xpi (Firefox policy templates,
// ExtensionSettings). Release and ESR builds install only add-ons signed by Mozilla, so the shipped .xpi must
// be the signed one (web-ext sign) for this to take effect.
func (d *dist) policies(stage string) error {
	if d.updateURL != "" {
		pol := map[string]any{"ExtensionSettings": map[string]any{
			d.chromeID: map[string]any{"installation_mode": "normal_installed", "update_url": d.updateURL},
		}}
		data, _ := json.MarshalIndent(pol, "", "  ")
		for _, dir := range chromiumPolicyDirs {
			if err := writeFile(filepath.Join(stage, dir, chromiumPolicyName), append(data, '\n'), 0o644); err != nil {
				return err
			}
		}
	}
	ff := map[string]any{"policies": map[string]any{"ExtensionSettings": map[string]any{
		d.firefoxID: map[string]any{"installation_mode": "normal_installed", "install_url": "file://" + xpiPath},
	}}}
	data, _ := json.MarshalIndent(ff, "", "  ")
	return writeFile(filepath.Join(stage, firefoxPolicyPath), append(data, '\n'), 0o644)
}

// binaryFacts reads the Debian architecture and the runtime dependencies from the host's ELF header: the
// machine, and the shared libraries it needs (cgo links libpcsclite for PC/SC). pcscd is always needed: it
// is the daemon that owns the readers.
func binaryFacts(path string) (arch string, depends []string, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("%s is not a Linux executable (%w): run make build", path, err)
	}
	defer f.Close()
	archs := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "i386", elf.EM_ARM: "armhf", elf.EM_RISCV: "riscv64", elf.EM_PPC64: "ppc64el", elf.EM_S390: "s390x"}
	arch, ok := archs[f.Machine]
	if !ok {
		return "", nil, fmt.Errorf("%s: no Debian architecture for ELF machine %v", path, f.Machine)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return "", nil, err
	}
	set := map[string]bool{"pcscd": true}
	for _, so := range libs {
		pkg, ok := sonamePackages[so]
		if !ok {
			if pkg, err = ownerPackage(so); err != nil {
				return "", nil, err
			}
		}
		set[pkg] = true
	}
	for p := range set {
		depends = append(depends, p)
	}
	sort.Strings(depends)
	return arch, depends, nil
}

func ownerPackage(soname string) (string, error) {
	out, err := exec.Command("dpkg-query", "-S", "*/"+soname).Output()
	if err != nil {
		return "", fmt.Errorf("ponte-host needs %s and no installed package provides it", soname)
	}
	pkg, _, _ := strings.Cut(strings.SplitN(string(out), "\n", 2)[0], ":")
	return strings.TrimSpace(pkg), nil
}

// treeFacts lists the files under /etc (dpkg keeps an administrator's edits to them: conffiles) and the
// total size.
func treeFacts(stage string) (conffiles []string, size int64, err error) {
	err = filepath.WalkDir(stage, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		r, err := filepath.Rel(stage, p)
		if err != nil {
			return err
		}
		rel := "/" + filepath.ToSlash(r)
		if strings.HasPrefix(rel, "/DEBIAN/") {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		if strings.HasPrefix(rel, "/etc/") {
			conffiles = append(conffiles, rel)
		}
		return nil
	})
	sort.Strings(conffiles)
	return conffiles, size, err
}

func copyFile(src, dst string, perm fs.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data, perm)
}

func writeFile(path string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		return err
	}
	return os.Chmod(path, perm) // the umask must not decide what other users can read
}
