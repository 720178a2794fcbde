package install

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/manifest"
)

const testID = "feocdoceodidmopbkpidfhoffjhlinbc"

// fakeHost makes an executable ponte-host in a temporary folder.
func fakeHost(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the Linux and macOS tables are exercised on a real file system with Unix paths")
	}
	p := filepath.Join(t.TempDir(), "bin", "ponte-host")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func testConfig(host string) Config {
	return Config{HostPath: host, ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"}
}

// readManifest reads a written manifest as a browser would: plain JSON, then the strict parser.
func readManifest(t *testing.T, file string) manifest.Manifest {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("manifest missing: %v", err)
	}
	var generic map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("%s is not JSON: %v", file, err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	st, _ := os.Stat(file)
	if st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("%s: mode %v, browsers of other users must read it", file, st.Mode())
	}
	return m
}

func checkManifest(t *testing.T, file string, f manifest.Flavour, hostPath string) {
	t.Helper()
	m := readManifest(t, file)
	if m.Name != "it.ponte.host" || m.Path != hostPath || m.Flavour() != f {
		t.Errorf("%s: name %q path %q flavour %s; want path %q flavour %s", file, m.Name, m.Path, m.Flavour(), hostPath, f)
	}
	switch f {
	case manifest.Chromium:
		if len(m.AllowedOrigins) != 1 || m.AllowedOrigins[0] != "chrome-extension://"+testID+"/" {
			t.Errorf("%s: allowed_origins %v", file, m.AllowedOrigins)
		}
	case manifest.Firefox:
		if len(m.AllowedExtensions) != 1 || m.AllowedExtensions[0] != "ponte@ponte.it" {
			t.Errorf("%s: allowed_extensions %v", file, m.AllowedExtensions)
		}
	}
}

func TestInstallLinuxUser(t *testing.T) {
	home := t.TempDir()
	host := fakeHost(t)
	env := &Env{GOOS: "linux", Home: home}
	rep, err := Install(testConfig(host), Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]manifest.Flavour{
		".config/google-chrome/NativeMessagingHosts":               manifest.Chromium,
		".config/chromium/NativeMessagingHosts":                    manifest.Chromium,
		".config/microsoft-edge/NativeMessagingHosts":              manifest.Chromium,
		".config/BraveSoftware/Brave-Browser/NativeMessagingHosts": manifest.Chromium,
		".mozilla/native-messaging-hosts":                          manifest.Firefox,
	}
	for dir, f := range want {
		checkManifest(t, filepath.Join(home, dir, "it.ponte.host.json"), f, host)
	}
	if len(rep.Items) != len(want) || !rep.Changed() {
		t.Errorf("report: %d items, changed %v:\n%s", len(rep.Items), rep.Changed(), rep)
	}
	for _, it := range rep.Items {
		if it.Action != Written || len(it.Browsers) == 0 {
			t.Errorf("item %+v", it)
		}
	}
	// No snap or flatpak folder was there, so none was created.
	for _, d := range []string{"snap", ".var"} {
		if _, err := os.Stat(filepath.Join(home, d)); err == nil {
			t.Errorf("%s created for a browser that is not installed", d)
		}
	}
	if !strings.Contains(rep.String(), "riavvia il browser") {
		t.Errorf("report text: %s", rep)
	}

	// Idempotent: nothing changes and the report says so.
	before := snapshot(t, home)
	rep2, err := Install(testConfig(host), Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Changed() || len(rep2.Items) != len(want) || !strings.Contains(rep2.String(), "Nothing to change") {
		t.Errorf("second install changed something:\n%s", rep2)
	}
	if after := snapshot(t, home); after != before {
		t.Errorf("files changed on the second install:\n%s\n---\n%s", before, after)
	}

	// A moved binary is a change: the manifests are rewritten with the new path.
	host2 := fakeHost(t)
	rep3, err := Install(testConfig(host2), Options{Env: env})
	if err != nil || !rep3.Changed() {
		t.Fatalf("reinstall with a new path: %v\n%s", err, rep3)
	}
	checkManifest(t, filepath.Join(home, ".mozilla/native-messaging-hosts/it.ponte.host.json"), manifest.Firefox, host2)
}

// snapshot lists every file under dir with its content and mode.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.Mode().String() + " " + info.ModTime().String())
		if !info.IsDir() {
			data, _ := os.ReadFile(p)
			b.Write(data)
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestUninstallRemovesOnlyOurs(t *testing.T) {
	home := t.TempDir()
	host := fakeHost(t)
	env := &Env{GOOS: "linux", Home: home}
	if _, err := Install(testConfig(host), Options{Env: env}); err != nil {
		t.Fatal(err)
	}
	chromeDir := filepath.Join(home, ".config/google-chrome/NativeMessagingHosts")
	other := filepath.Join(chromeDir, "com.example.other.json")
	if err := os.WriteFile(other, []byte(`{"name":"com.example.other"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file with our name that is not a host manifest (hand-edited, broken): left alone, and said so.
	broken := filepath.Join(home, ".config/chromium/NativeMessagingHosts/it.ponte.host.json")
	if err := os.WriteFile(broken, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Uninstall(Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	var removed, left int
	for _, it := range rep.Items {
		switch it.Action {
		case Removed:
			removed++
		case LeftAlone:
			left++
			if it.Where != broken {
				t.Errorf("left alone %s", it.Where)
			}
		}
	}
	if removed != 4 || left != 1 {
		t.Errorf("removed %d left %d:\n%s", removed, left, rep)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another host's manifest was touched: %v", err)
	}
	if _, err := os.Stat(broken); err != nil {
		t.Errorf("a file Ponte did not write was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(chromeDir, "it.ponte.host.json")); !os.IsNotExist(err) {
		t.Errorf("manifest still there: %v", err)
	}
	rep2, err := Uninstall(Options{Env: env})
	if err != nil || rep2.Changed() || !strings.Contains(rep2.String(), "Nothing to remove") {
		t.Errorf("second uninstall: %v\n%s", err, rep2)
	}
}

func TestInstallSnapAndFlatpak(t *testing.T) {
	home := t.TempDir()
	host := fakeHost(t)
	for _, d := range []string{"snap/firefox", "snap/chromium", ".var/app/org.chromium.Chromium", ".var/app/org.mozilla.firefox", ".config/google-chrome-beta"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := &Env{GOOS: "linux", Home: home}
	rep, err := Install(testConfig(host), Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	checkManifest(t, filepath.Join(home, "snap/firefox/common/.mozilla/native-messaging-hosts/it.ponte.host.json"), manifest.Firefox, host)
	checkManifest(t, filepath.Join(home, "snap/chromium/common/chromium/NativeMessagingHosts/it.ponte.host.json"), manifest.Chromium, host)
	checkManifest(t, filepath.Join(home, ".config/google-chrome-beta/NativeMessagingHosts/it.ponte.host.json"), manifest.Chromium, host)
	if _, err := os.Stat(filepath.Join(home, ".config/microsoft-edge-beta")); !os.IsNotExist(err) {
		t.Errorf("a channel folder was created for a channel that never ran: %v", err)
	}

	for app, sub := range map[string]string{
		"org.chromium.Chromium": "config/chromium/NativeMessagingHosts",
		"org.mozilla.firefox":   ".mozilla/native-messaging-hosts",
	} {
		appDir := filepath.Join(home, ".var/app", app)
		wrapper := filepath.Join(appDir, "data/ponte/ponte-host")
		f := manifest.Chromium
		if app == "org.mozilla.firefox" {
			f = manifest.Firefox
		}
		checkManifest(t, filepath.Join(appDir, sub, "it.ponte.host.json"), f, wrapper)
		st, err := os.Stat(wrapper)
		if err != nil || st.Mode().Perm()&0o111 == 0 {
			t.Fatalf("wrapper %s: %v %v", wrapper, st, err)
		}
		data, _ := os.ReadFile(wrapper)
		if !strings.Contains(string(data), "exec flatpak-spawn --host --watch-bus '"+host+"' \"$@\"") {
			t.Errorf("wrapper content:\n%s", data)
		}
	}
	text := rep.String()
	for _, want := range []string{
		"flatpak override --user --talk-name=org.freedesktop.Flatpak org.chromium.Chromium",
		"flatpak override --user --talk-name=org.freedesktop.Flatpak org.mozilla.firefox",
		"xdg-desktop-portal",
		"Chromium è installato come Snap",
		"Chromium is installed as a Snap",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "com.brave.Browser") {
		t.Error("notice for a flatpak that is not installed")
	}

	// The wrapper is ours and goes away with the manifests; the browsers' own folders stay.
	if _, err := Uninstall(Options{Env: env}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".var/app/org.chromium.Chromium/data/ponte/ponte-host")); !os.IsNotExist(err) {
		t.Errorf("wrapper left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, ".var/app/org.chromium.Chromium")); err != nil {
		t.Errorf("browser folder removed: %v", err)
	}
}

// The wrapper quotes the host path for sh: a path with a quote still runs the right file.
func TestWrapperQuoting(t *testing.T) {
	sh := shellPath(t)
	dir := t.TempDir()
	host := filepath.Join(dir, "it's here", "host")
	os.MkdirAll(filepath.Dir(host), 0o755)
	got := string(wrapperScript(host))
	// Replace flatpak-spawn by a function that prints its last-but-args argument.
	script := "flatpak_spawn() { shift 2; printf '%s\\n' \"$@\"; }\n" + strings.Replace(got, "exec flatpak-spawn", "flatpak_spawn", 1)
	out, err := runShell(sh, script, "a b", "c")
	if err != nil {
		t.Fatal(err)
	}
	if out != host+"\na b\nc\n" {
		t.Errorf("wrapper passed %q", out)
	}
}

func TestInstallLinuxSystemUnderRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/bin/ponte-host"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := &Env{GOOS: "linux"}
	cfg := testConfig("/usr/bin/ponte-host")
	rep, err := Install(cfg, Options{System: true, Env: env, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for dir, f := range map[string]manifest.Flavour{
		"etc/opt/chrome/native-messaging-hosts":  manifest.Chromium,
		"etc/chromium/native-messaging-hosts":    manifest.Chromium,
		"etc/opt/edge/native-messaging-hosts":    manifest.Chromium,
		"usr/lib/mozilla/native-messaging-hosts": manifest.Firefox,
	} {
		checkManifest(t, filepath.Join(root, dir, "it.ponte.host.json"), f, "/usr/bin/ponte-host")
	}
	if _, err := os.Stat(filepath.Join(root, "usr/lib64")); !os.IsNotExist(err) {
		t.Errorf("/usr/lib64 created where it did not exist")
	}
	if len(rep.Items) != 4 {
		t.Errorf("report:\n%s", rep)
	}
	// Where /usr/lib64 exists (Fedora, openSUSE), Firefox's lib64 folder is written too.
	os.MkdirAll(filepath.Join(root, "usr/lib64"), 0o755)
	if _, err := Install(cfg, Options{System: true, Env: env, Root: root}); err != nil {
		t.Fatal(err)
	}
	checkManifest(t, filepath.Join(root, "usr/lib64/mozilla/native-messaging-hosts/it.ponte.host.json"), manifest.Firefox, "/usr/bin/ponte-host")
}

func TestInstallRefusesBadInput(t *testing.T) {
	home := t.TempDir()
	env := &Env{GOOS: "linux", Home: home}
	host := fakeHost(t)
	notExec := filepath.Join(t.TempDir(), "ponte-host")
	os.WriteFile(notExec, []byte("x"), 0o644)
	for name, cfg := range map[string]Config{
		"relative path":  {HostPath: "ponte-host", ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"},
		"missing host":   {HostPath: "/nonexistent/ponte-host", ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"},
		"not executable": {HostPath: notExec, ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"},
		"bad id":         {HostPath: host, ChromeExtensionID: "xyz", FirefoxAddonID: "ponte@ponte.it"},
		"no addon id":    {HostPath: host, ChromeExtensionID: testID},
	} {
		if _, err := Install(cfg, Options{Env: env}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("refused installs wrote files: %v", entries)
	}
	if _, err := Install(testConfig(host), Options{Env: &Env{GOOS: "plan9", Home: home}}); err == nil {
		t.Error("unsupported OS accepted")
	}
}

func TestInstallDarwinLogic(t *testing.T) {
	home := t.TempDir()
	host := fakeHost(t)
	env := &Env{GOOS: "darwin", Home: home}
	if _, err := Install(testConfig(host), Options{Env: env}); err != nil {
		t.Fatal(err)
	}
	checkManifest(t, filepath.Join(home, "Library/Application Support/Google/Chrome/NativeMessagingHosts/it.ponte.host.json"), manifest.Chromium, host)
	checkManifest(t, filepath.Join(home, "Library/Application Support/Mozilla/NativeMessagingHosts/it.ponte.host.json"), manifest.Firefox, host)
	rep, err := Uninstall(Options{Env: env})
	if err != nil || len(rep.Items) != 5 {
		t.Fatalf("uninstall: %v\n%s", err, rep)
	}
}

func TestWriteManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile", "NativeMessagingHosts")
	host := fakeHost(t)
	p, err := WriteManifest(dir, Chromium, testConfig(host))
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(dir, "it.ponte.host.json") {
		t.Errorf("path %s", p)
	}
	checkManifest(t, p, manifest.Chromium, host)
	p, err = WriteManifest(t.TempDir(), Firefox, testConfig(host))
	if err != nil {
		t.Fatal(err)
	}
	checkManifest(t, p, manifest.Firefox, host)
	if _, err := WriteManifest(dir, Chromium, testConfig("/nonexistent")); err == nil {
		t.Error("missing host accepted")
	}
}
