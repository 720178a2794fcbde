package install

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func withModules(cfg Config, mods ...PKCS11Module) Config {
	cfg.PKCS11 = mods
	return cfg
}

var openscModule = PKCS11Module{Name: "it.ponte.opensc", Description: "Ponte: OpenSC", Path: "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"}

func readPKCS11(t *testing.T, file string) pkcs11Manifest {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("PKCS#11 manifest missing: %v", err)
	}
	var m pkcs11Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// Per user on Linux: ~/.mozilla/pkcs11-modules/<name>.json of type pkcs11 for Ponte's add-on; a second
// install changes nothing; uninstall removes Ponte's manifests and leaves another program's.
func TestPKCS11LinuxUser(t *testing.T) {
	home, host := t.TempDir(), fakeHost(t)
	opt := Options{Env: &Env{GOOS: "linux", Home: home}}
	cfg := withModules(testConfig(host), openscModule, openscModule)
	rep, err := Install(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(home, ".mozilla/pkcs11-modules/it.ponte.opensc.json")
	m := readPKCS11(t, file)
	if m.Name != "it.ponte.opensc" || m.Type != "pkcs11" || m.Path != openscModule.Path || m.Description != "Ponte: OpenSC" ||
		len(m.AllowedExtensions) != 1 || m.AllowedExtensions[0] != "ponte@ponte.it" {
		t.Errorf("manifest %+v", m)
	}
	n := 0
	for _, it := range rep.Items {
		if it.Kind == KindPKCS11 {
			n++
			if it.Action != Written || it.Where != file || len(it.Browsers) != 1 || it.Browsers[0] != Firefox {
				t.Errorf("item %+v", it)
			}
		}
	}
	if n != 1 || !strings.Contains(rep.String(), "pkcs11") {
		t.Errorf("report (%d pkcs11 items):\n%s", n, rep)
	}
	rep2, err := Install(cfg, opt)
	if err != nil || rep2.Changed() {
		t.Errorf("second install: %v\n%s", err, rep2)
	}

	dir := filepath.Dir(file)
	other := filepath.Join(dir, "other_vendor.json")
	notOurs := filepath.Join(dir, "it.ponte.mine.json") // our prefix, but not a PKCS#11 manifest
	os.WriteFile(other, []byte(`{"name":"other_vendor","type":"pkcs11","path":"/x.so","allowed_extensions":["x@y"]}`), 0o644)
	os.WriteFile(notOurs, []byte(`{"name":"it.ponte.mine","type":"stdio"}`), 0o644)
	rep3, err := Uninstall(opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("Ponte's PKCS#11 manifest left: %v", err)
	}
	for _, f := range []string{other, notOurs} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
	if !strings.Contains(rep3.String(), "rimosso / removed") || !strings.Contains(rep3.String(), "not written by Ponte") {
		t.Errorf("uninstall report:\n%s", rep3)
	}
}

// For every user on Linux: /usr/lib/mozilla/pkcs11-modules, and /usr/lib64/... where /usr/lib64 exists;
// macOS per user and system folders.
func TestPKCS11SystemAndDarwin(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/lib64"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/ponte-host"), []byte("x"), 0o755)
	if _, err := Install(withModules(testConfig("/usr/bin/ponte-host"), openscModule), Options{System: true, Root: root, Env: &Env{GOOS: "linux", Home: "/home/ada"}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"usr/lib/mozilla/pkcs11-modules", "usr/lib64/mozilla/pkcs11-modules"} {
		if m := readPKCS11(t, filepath.Join(root, d, "it.ponte.opensc.json")); m.Path != openscModule.Path {
			t.Errorf("%s: %+v", d, m)
		}
	}
	for system, want := range map[bool]string{
		false: "/Users/ada/Library/Application Support/Mozilla/PKCS11Modules/it.ponte.opensc.json",
		true:  "/Library/Application Support/Mozilla/PKCS11Modules/it.ponte.opensc.json",
	} {
		dirs := pkcs11Dirs(Env{GOOS: "darwin", Home: "/Users/ada"}, system)
		if len(dirs) != 1 || join("darwin", dirs[0].Dir, "it.ponte.opensc.json") != want {
			t.Errorf("darwin system=%v: %+v", system, dirs)
		}
	}
}

// Windows: the manifest in Ponte's folder and HKCU/HKLM\Software\Mozilla\PKCS11Modules\<name> pointing at it;
// uninstall removes both, and leaves a key another program pointed elsewhere.
func TestPKCS11Windows(t *testing.T) {
	for _, system := range []bool{false, true} {
		fsys, reg := newMemFS(), newMemRegistry()
		host := `C:\Program Files\Ponte\ponte-host.exe`
		fsys.WriteFile(host, []byte("MZ"), 0o755)
		env := &Env{GOOS: "windows", Home: `C:\Users\ada`, LocalAppData: `C:\Users\ada\AppData\Local`, ProgramData: `C:\ProgramData`}
		opt := Options{System: system, Env: env, FS: fsys, Registry: reg}
		mod := PKCS11Module{Name: "it.ponte.bit4id_xpki", Description: "Ponte: bit4id", Path: `C:\Windows\System32\bit4xpki.dll`}
		other := PKCS11Module{Name: "it.ponte.opensc", Description: "Ponte: OpenSC", Path: `C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`}
		if _, err := Install(withModules(testConfig(host), mod, other), opt); err != nil {
			t.Fatal(err)
		}
		base, hive := `C:\Users\ada\AppData\Local`, "HKCU"
		if system {
			base, hive = `C:\ProgramData`, "HKLM"
		}
		file := base + `\Ponte\PKCS11Modules\it.ponte.bit4id_xpki.json`
		data, err := fsys.ReadFile(file)
		if err != nil || !isOurPKCS11(data) {
			t.Fatalf("%s: %v %s", file, err, data)
		}
		key := hive + `\software\mozilla\pkcs11modules\it.ponte.bit4id_xpki`
		if reg.keys[key] != file {
			t.Fatalf("%s = %q (keys %v)", key, reg.keys[key], reg.keys)
		}
		otherKey := hive + `\software\mozilla\pkcs11modules\it.ponte.opensc`
		reg.keys[otherKey] = `C:\Elsewhere\opensc.json`
		rep, err := Uninstall(opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := reg.keys[key]; ok || fsys.Exists(file) {
			t.Errorf("left after uninstall: key %v, file %v", ok, fsys.Exists(file))
		}
		if reg.keys[otherKey] != `C:\Elsewhere\opensc.json` || !strings.Contains(rep.String(), `points to C:\Elsewhere\opensc.json`) {
			t.Errorf("another program's key: %q\n%s", reg.keys[otherKey], rep)
		}
	}
}

func TestPKCS11RefusesBadInput(t *testing.T) {
	home, host := t.TempDir(), fakeHost(t)
	opt := Options{Env: &Env{GOOS: "linux", Home: home}}
	for _, m := range []PKCS11Module{
		{Name: "it.ponte..x", Path: "/x.so"},
		{Name: "other.name", Path: "/x.so"},
		{Name: "it.ponte.rel", Path: "lib/x.so"},
	} {
		if _, err := Install(withModules(testConfig(host), m), opt); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
}
