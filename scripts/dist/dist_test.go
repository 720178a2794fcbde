package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"github.com/ponte-it/ponte/host/webui"
	"github.com/ponte-it/ponte/internal/ids"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/manifest"
)

// TestDistDeb runs scripts/dist.sh as `make dist` does, on the real build when `make test` made one
// (PONTE_BUILD) or on a stand-in build otherwise, then opens what it produced with the real tools:
// dpkg-deb --info / --contents / -x, and the zip reader.
func TestDistDeb(t *testing.T) {
	dpkgDeb := testenv.Tool(t, "dpkg-deb")
	testenv.Tool(t, "git")
	root := testenv.Root()
	build := realBuild()
	if build == "" {
		build = fakeBuild(t, root)
	}
	describe, err := exec.Command("git", "-C", root, "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		t.Fatalf("git describe: %v", err)
	}
	version := strings.TrimSpace(string(describe))
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "scripts/dist.sh"), build, version)
	cmd.Env = append(os.Environ(), "DIST="+out)
	cmd.Dir = root
	log, err := cmd.CombinedOutput()
	t.Logf("dist.sh:\n%s", log)
	if err != nil {
		t.Fatalf("dist.sh failed: %v", err)
	}

	wantVersion, _ := debVersion(version)
	arch := strings.TrimSpace(run(t, "dpkg", "--print-architecture"))
	deb := filepath.Join(out, fmt.Sprintf("ponte_%s_%s.deb", wantVersion, arch))
	info := run(t, dpkgDeb, "--info", deb)
	field := func(name string) string {
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), name+": "); ok {
				return v
			}
		}
		return ""
	}
	if field("Package") != "ponte" || field("Version") != wantVersion || field("Architecture") != arch {
		t.Errorf("control fields:\n%s", info)
	}
	// Stamped from git: an untagged tree's version names the commit.
	if hash := strings.TrimSpace(run(t, "git", "-C", root, "rev-parse", "--short", "HEAD")); hashRE.MatchString(version) && !strings.Contains(wantVersion, hash) {
		t.Errorf("version %s does not name commit %s", wantVersion, hash)
	}
	// Depends: pcscd, and the package of every shared library the host needs (read here from its ELF).
	depends := map[string]bool{}
	for _, d := range strings.Split(field("Depends"), ",") {
		depends[strings.TrimSpace(d)] = true
	}
	if !depends["pcscd"] {
		t.Errorf("Depends lacks pcscd: %s", field("Depends"))
	}
	f, err := elf.Open(filepath.Join(build, "ponte-host"))
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := f.ImportedLibraries()
	f.Close()
	for _, so := range libs {
		owner := strings.SplitN(run(t, "dpkg-query", "-S", "*/"+so), ":", 2)[0]
		if !depends[owner] {
			t.Errorf("host needs %s from %s; Depends is %s", so, owner, field("Depends"))
		}
	}
	if strings.Contains(strings.Join(libs, " "), "libpcsclite") && !depends["libpcsclite1"] {
		t.Errorf("Depends lacks libpcsclite1: %s", field("Depends"))
	}
	contents := run(t, dpkgDeb, "--contents", deb)
	for _, l := range strings.Split(strings.TrimSpace(contents), "\n") {
		if !strings.Contains(l, " root/root ") {
			t.Errorf("not owned by root: %s", l)
		}
	}

	tree := t.TempDir()
	run(t, dpkgDeb, "-x", deb, tree)
	st, err := os.Stat(filepath.Join(tree, "usr/bin/ponte-host"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("usr/bin/ponte-host: %v %v", st, err)
	}
	id, err := extensionIDFromManifest(filepath.Join(build, "extension/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Where Chromium (Debian), Chrome/Brave, Edge and Firefox read system-wide host manifests.
	for dir, fl := range map[string]manifest.Flavour{
		"etc/chromium/native-messaging-hosts":    manifest.Chromium,
		"etc/opt/chrome/native-messaging-hosts":  manifest.Chromium,
		"etc/opt/edge/native-messaging-hosts":    manifest.Chromium,
		"usr/lib/mozilla/native-messaging-hosts": manifest.Firefox,
	} {
		p := filepath.Join(tree, dir, "it.ponte.host.json")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		m, err := manifest.Parse(data)
		if err != nil || m.Path != "/usr/bin/ponte-host" || m.Flavour() != fl {
			t.Errorf("%s: %+v %v", dir, m, err)
		}
		if fl == manifest.Chromium && (len(m.AllowedOrigins) != 1 || m.AllowedOrigins[0] != "chrome-extension://"+id+"/") {
			t.Errorf("%s: allowed_origins %v, want the ID of build/extension's key %s", dir, m.AllowedOrigins, id)
		}
		if fl == manifest.Firefox && (len(m.AllowedExtensions) != 1 || m.AllowedExtensions[0] != "ponte@ponte.it") {
			t.Errorf("%s: allowed_extensions %v", dir, m.AllowedExtensions)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v", p, st.Mode())
		}
	}
	// Policies: Chromium family offers the extension by ID; Firefox installs the shipped .xpi.
	var chromiumPol struct {
		ExtensionSettings map[string]struct {
			InstallationMode string `json:"installation_mode"`
			UpdateURL        string `json:"update_url"`
		}
	}
	readJSON(t, filepath.Join(tree, "etc/chromium/policies/managed/ponte.json"), &chromiumPol)
	if s := chromiumPol.ExtensionSettings[id]; s.InstallationMode != "normal_installed" || !strings.HasPrefix(s.UpdateURL, "https://") {
		t.Errorf("Chromium policy: %+v", chromiumPol)
	}
	var ffPol struct {
		Policies struct {
			ExtensionSettings map[string]struct {
				InstallationMode string `json:"installation_mode"`
				InstallURL       string `json:"install_url"`
			}
		}
	}
	readJSON(t, filepath.Join(tree, "etc/firefox/policies/policies.json"), &ffPol)
	s := ffPol.Policies.ExtensionSettings["ponte@ponte.it"]
	xpiInTree := filepath.Join(tree, strings.TrimPrefix(s.InstallURL, "file:///"))
	if s.InstallationMode != "normal_installed" || !strings.HasPrefix(s.InstallURL, "file:///") {
		t.Errorf("Firefox policy: %+v", ffPol)
	}
	checkXPI(t, xpiInTree, build)
	conffiles := run(t, dpkgDeb, "--info", deb, "conffiles")
	if !strings.Contains(conffiles, "/etc/chromium/native-messaging-hosts/it.ponte.host.json") || strings.Contains(conffiles, "/usr/") {
		t.Errorf("conffiles:\n%s", conffiles)
	}

	// The store zip: the extension as built, without "key"; the .xpi: the Firefox flavour.
	zr, err := zip.OpenReader(filepath.Join(out, fmt.Sprintf("ponte-extension-%s-chrome.zip", version)))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var mf map[string]any
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			json.Unmarshal(readZip(t, f), &mf)
		}
		want, err := os.ReadFile(filepath.Join(build, "extension", f.Name))
		if err != nil {
			t.Errorf("zip has %s, not in the build", f.Name)
		} else if f.Name != "manifest.json" && !bytes.Equal(want, readZip(t, f)) {
			t.Errorf("zip's %s differs from the build", f.Name)
		}
	}
	if mf == nil || mf["key"] != nil || mf["manifest_version"] != float64(3) {
		t.Errorf("store zip manifest: %v", mf)
	}
	checkXPI(t, filepath.Join(out, fmt.Sprintf("ponte-extension-%s-firefox.xpi", version)), build)

	run(t, "sha256sum", "-c", filepath.Join(out, "SHA256SUMS"))

	// Windows host archive: ponte-host links PKCS#11 through cgo, so it cross-compiles where MinGW-w64 is
	// installed (deps/apt.txt). macOS archives: no cgo there (purego), so they are always built.
	if isMainPackage(root, "./host") {
		if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err == nil {
			checkWindowsArchive(t, filepath.Join(out, fmt.Sprintf("ponte-host-%s-windows-amd64.zip", version)))
		}
		// A make build tree has the overlay that embeds its UI (host/webui); the stand-in build has none.
		var ui []byte
		if _, err := os.Stat(filepath.Join(build, webui.OverlayName)); err == nil {
			if ui, err = os.ReadFile(filepath.Join(build, "extension", "app.html")); err != nil {
				t.Fatal(err)
			}
		}
		for _, arch := range []string{"arm64", "amd64"} {
			checkDarwinArchive(t, filepath.Join(out, fmt.Sprintf("ponte-host-%s-darwin-%s.tar.gz", fileVersion(version), arch)), arch, ui)
		}
	}
}

func isMainPackage(root, pkg string) bool {
	cmd := exec.Command("go", "list", "-f", "{{.Name}}", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == "main"
}

func checkWindowsArchive(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("Windows archive: %v", err)
	}
	defer zr.Close()
	got := map[string][]byte{}
	for _, f := range zr.File {
		got[f.Name] = readZip(t, f)
	}
	if exe := got["ponte-host.exe"]; len(exe) < 2 || string(exe[:2]) != "MZ" {
		t.Errorf("ponte-host.exe is not a Windows executable")
	}
	if !bytes.Contains(got["install.ps1"], []byte("& $exe @hostArgs")) || !bytes.Contains(got["install.cmd"], []byte("install.ps1")) {
		t.Errorf("install scripts missing or wrong: %v", len(got))
	}
}

// checkXPI: the .xpi holds every file of build/extension unchanged but manifest.json, whose background
// service worker (if the Chrome flavour has one) became a background script, with the gecko id and no key.
func checkXPI(t *testing.T, path, build string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("xpi: %v", err)
	}
	defer zr.Close()
	var chrome struct {
		Background struct {
			ServiceWorker string `json:"service_worker"`
		}
	}
	readJSON(t, filepath.Join(build, "extension", "manifest.json"), &chrome)
	inXPI := map[string]bool{}
	for _, f := range zr.File {
		inXPI[f.Name] = true
		if f.Name != "manifest.json" {
			if want, err := os.ReadFile(filepath.Join(build, "extension", f.Name)); err != nil || !bytes.Equal(want, readZip(t, f)) {
				t.Errorf("%s: %s is not the build's", path, f.Name)
			}
			continue
		}
		var m struct {
			Key        *string `json:"key"`
			Background struct {
				Scripts       []string `json:"scripts"`
				ServiceWorker string   `json:"service_worker"`
			}
			BSS struct {
				Gecko struct{ ID string } `json:"gecko"`
			} `json:"browser_specific_settings"`
		}
		if err := json.Unmarshal(readZip(t, f), &m); err != nil {
			t.Fatal(err)
		}
		wantScripts := 0
		if chrome.Background.ServiceWorker != "" {
			wantScripts = 1
		}
		if m.Key != nil || len(m.Background.Scripts) != wantScripts || m.Background.ServiceWorker != "" || m.BSS.Gecko.ID != "ponte@ponte.it" ||
			(wantScripts == 1 && m.Background.Scripts[0] != chrome.Background.ServiceWorker) {
			t.Errorf("xpi manifest: %+v", m)
		}
	}
	if !inXPI["manifest.json"] {
		t.Errorf("%s has no manifest.json", path)
	}
	filepath.WalkDir(filepath.Join(build, "extension"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			rel, _ := filepath.Rel(filepath.Join(build, "extension"), p)
			if !inXPI[filepath.ToSlash(rel)] {
				t.Errorf("%s lacks %s", path, rel)
			}
		}
		return err
	})
}

func readZip(t *testing.T, f *zip.File) []byte {
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	if name == "sha256sum" {
		cmd.Dir = filepath.Dir(args[len(args)-1])
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// realBuild is `make build`'s output when make test passes it and it is complete.
func realBuild() string {
	b := os.Getenv("PONTE_BUILD")
	for _, f := range []string{"ponte-host", "extension/manifest.json"} {
		if _, err := os.Stat(filepath.Join(b, f)); b == "" || err != nil {
			return ""
		}
	}
	return b
}

// fakeBuild makes a build folder: a cgo ponte-host linking libpcsclite, and an MV3 extension with a key.
func fakeBuild(t *testing.T, root string) string {
	testenv.File(t, "libpcsclite-dev headers", "/usr/include/PCSC/winscard.h")
	build := t.TempDir()
	cmd := exec.Command("go", testenv.BuildArgs("-o", filepath.Join(build, "ponte-host"), "./scripts/dist/testdata/fakehost")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in host: %v\n%s", err, out)
	}
	mf, _ := json.MarshalIndent(map[string]any{
		"manifest_version": 3, "name": "__MSG_name__", "version": "0.1.0", "default_locale": "it",
		"key":         ids.ExtensionKey,
		"permissions": []string{"nativeMessaging"},
		"background":  map[string]any{"service_worker": "background.js"},
	}, "", "  ")
	for name, data := range map[string][]byte{
		"extension/manifest.json":             mf,
		"extension/background.js":             []byte("chrome.runtime.onInstalled.addListener(() => {});\n"),
		"extension/app.html":                  []byte("<!doctype html><title>Ponte</title>\n"),
		"extension/_locales/it/messages.json": []byte(`{"name":{"message":"Ponte"}}`),
	} {
		if err := writeFile(filepath.Join(build, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return build
}
