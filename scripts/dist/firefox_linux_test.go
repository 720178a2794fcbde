package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/install"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/testproc"
	"github.com/ponte-it/ponte/internal/webext"
)

// A real Firefox ESR loads the .xpi that webext.FirefoxManifest derives from a Chrome MV3 manifest and starts the
// host registered by install.Install for the user: Firefox finds ~/.mozilla/native-messaging-hosts/
// it.ponte.host.json, accepts allowed_extensions and runs the host with the manifest path and the add-on id
// as arguments (MDN, "Native messaging", "Extension side"). The host is a script recording its arguments.
func TestRealFirefoxStartsHost(t *testing.T) {
	firefox := testenv.Tool(t, "firefox-esr")
	if testing.Short() {
		t.Skip("starts a browser")
	}
	dir := testproc.TempDir(t, "ponte-firefox-")
	home, profile := filepath.Join(dir, "home"), filepath.Join(dir, "profile")
	marker := filepath.Join(dir, "started")
	host := filepath.Join(dir, "bin", "ponte-host")
	if err := writeFile(host, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > '"+marker+".tmp' && mv '"+marker+".tmp' '"+marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const addonID = "ponte@ponte.it"
	cfg := install.Config{HostPath: host, ChromeExtensionID: strings.Repeat("a", 32), FirefoxAddonID: addonID}
	if _, err := install.Install(cfg, install.Options{Env: &install.Env{GOOS: "linux", Home: home}}); err != nil {
		t.Fatal(err)
	}

	// The Chrome flavour, as build/extension has it, turned into Firefox's by the dist code.
	chromeManifest, _ := json.Marshal(map[string]any{
		"manifest_version": 3, "name": "ponte install probe", "version": "1.0", "key": "AAAA",
		"permissions": []string{"nativeMessaging"}, "background": map[string]any{"service_worker": "background.js"},
	})
	mf, err := webext.EditManifest(chromeManifest, func(m map[string]any) error { return webext.FirefoxManifest(m, addonID) })
	if err != nil {
		t.Fatal(err)
	}
	xpi, err := zipBytes(map[string][]byte{
		"manifest.json": mf,
		"background.js": []byte(`function ping() { browser.runtime.sendNativeMessage("it.ponte.host", {ping: 1}).catch(() => {}); }
ping(); setInterval(ping, 1000);
`),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Sideloaded into the profile, unsigned: ESR honours xpinstall.signatures.required=false, and
	// autoDisableScopes=0 enables profile-scope add-ons without asking. The rest keeps Firefox off the network.
	if err := writeFile(filepath.Join(profile, "extensions", addonID+".xpi"), xpi, 0o644); err != nil {
		t.Fatal(err)
	}
	prefs := map[string]any{
		"xpinstall.signatures.required":                              false,
		"extensions.autoDisableScopes":                               0,
		"extensions.enabledScopes":                                   15,
		"extensions.update.enabled":                                  false,
		"app.update.enabled":                                         false,
		"app.normandy.enabled":                                       false,
		"browser.shell.checkDefaultBrowser":                          false,
		"browser.startup.homepage_override.mstone":                   "ignore",
		"datareporting.policy.dataSubmissionEnabled":                 false,
		"toolkit.telemetry.reportingpolicy.firstRun":                 false,
		"network.connectivity-service.enabled":                       false,
		"browser.safebrowsing.update.enabled":                        false,
		"browser.safebrowsing.downloads.remote.enabled":              false,
		"network.captive-portal-service.enabled":                     false,
		"extensions.getAddons.cache.enabled":                         false,
		"extensions.systemAddon.update.enabled":                      false,
		"browser.newtabpage.activity-stream.feeds.system.topstories": false,
	}
	var userJS strings.Builder
	for k, v := range prefs {
		b, _ := json.Marshal(v)
		userJS.WriteString("user_pref(\"" + k + "\", " + string(b) + ");\n")
	}
	if err := writeFile(filepath.Join(profile, "user.js"), []byte(userJS.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(firefox, "--headless", "--no-remote", "--profile", profile, "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+home, "MOZ_HEADLESS=1", "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	logf, err := os.Create(filepath.Join(dir, "firefox.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf
	testproc.Start(t, cmd)
	got, err := testproc.WaitFile(marker, 90*time.Second)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "firefox.log"))
		t.Fatalf("Firefox never started the host\n%s", log)
	}
	want := filepath.Join(home, ".mozilla/native-messaging-hosts/it.ponte.host.json") + "\n" + addonID + "\n"
	if string(got) != want {
		t.Fatalf("host arguments %q, want %q", got, want)
	}
}
