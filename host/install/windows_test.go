package install

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/manifest"
)

// The Windows logic (which files, which keys, idempotency, uninstall) runs here on an in-memory file
// system and registry; only the registry adapter in native_windows.go needs Windows.
func TestInstallWindowsLogic(t *testing.T) {
	for _, system := range []bool{false, true} {
		fsys, reg := newMemFS(), newMemRegistry()
		host := `C:\Program Files\Ponte\ponte-host.exe`
		fsys.WriteFile(host, []byte("MZ"), 0o755)
		env := &Env{GOOS: "windows", Home: `C:\Users\ada`, LocalAppData: `C:\Users\ada\AppData\Local`, ProgramData: `C:\ProgramData`}
		opt := Options{System: system, Env: env, FS: fsys, Registry: reg}
		rep, err := Install(testConfig(host), opt)
		if err != nil {
			t.Fatal(err)
		}
		base, hive := `C:\Users\ada\AppData\Local`, "HKCU"
		if system {
			base, hive = `C:\ProgramData`, "HKLM"
		}
		chromeFile := base + `\Ponte\NativeMessagingHosts\chromium\it.ponte.host.json`
		firefoxFile := base + `\Ponte\NativeMessagingHosts\firefox\it.ponte.host.json`
		for file, f := range map[string]manifest.Flavour{chromeFile: manifest.Chromium, firefoxFile: manifest.Firefox} {
			data, err := fsys.ReadFile(file)
			if err != nil {
				t.Fatalf("%s: %v (files %v)", file, err, fsys.names())
			}
			m, err := manifest.Parse(data)
			if err != nil || m.Path != host || m.Flavour() != f {
				t.Errorf("%s: %+v %v", file, m, err)
			}
		}
		wantKeys := map[string]string{
			hive + `\software\google\chrome\nativemessaginghosts\it.ponte.host`:               chromeFile,
			hive + `\software\chromium\nativemessaginghosts\it.ponte.host`:                    chromeFile,
			hive + `\software\microsoft\edge\nativemessaginghosts\it.ponte.host`:              chromeFile,
			hive + `\software\bravesoftware\brave-browser\nativemessaginghosts\it.ponte.host`: chromeFile,
			hive + `\software\mozilla\nativemessaginghosts\it.ponte.host`:                     firefoxFile,
		}
		if len(reg.keys) != len(wantKeys) {
			t.Errorf("keys %v", reg.keys)
		}
		for k, v := range wantKeys {
			if reg.keys[k] != v {
				t.Errorf("%s = %q, want %q", k, reg.keys[k], v)
			}
		}
		if len(rep.Items) != 7 || !strings.Contains(rep.String(), hive+`\Software\Mozilla\NativeMessagingHosts\it.ponte.host`) {
			t.Errorf("report:\n%s", rep)
		}

		rep2, err := Install(testConfig(host), opt)
		if err != nil || rep2.Changed() {
			t.Errorf("second install: %v\n%s", err, rep2)
		}

		// Another program took Chromium's key: uninstall leaves it and says so.
		other := hive + `\software\chromium\nativemessaginghosts\it.ponte.host`
		reg.keys[other] = `C:\Other\host.json`
		rep3, err := Uninstall(opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(reg.keys) != 1 || reg.keys[other] != `C:\Other\host.json` {
			t.Errorf("keys after uninstall: %v", reg.keys)
		}
		if fsys.Exists(chromeFile) || fsys.Exists(firefoxFile) || !fsys.Exists(host) {
			t.Errorf("files after uninstall: %v", fsys.names())
		}
		if !strings.Contains(rep3.String(), "points to C:\\Other\\host.json") {
			t.Errorf("report:\n%s", rep3)
		}
	}
}

func TestInstallWindowsNeedsRegistry(t *testing.T) {
	fsys := newMemFS()
	host := `C:\P\ponte-host.exe`
	fsys.WriteFile(host, nil, 0o755)
	env := &Env{GOOS: "windows", LocalAppData: `C:\L`}
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the real registry is the default")
	}
	// Off Windows there is no native registry: the Windows plan must fail cleanly, not panic.
	if _, err := Install(testConfig(host), Options{Env: env, FS: fsys}); err == nil {
		t.Error("install without a registry succeeded")
	}
}
