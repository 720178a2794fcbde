package install

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/testproc"
)

// A real Chromium finds the manifest WriteManifest puts in its profile's NativeMessagingHosts folder (the
// e2e tests' way), accepts its allowed_origins and starts the host with the extension's origin as first
// argument (Chrome for Developers, "Native messaging protocol").
func TestRealChromiumProfileManifest(t *testing.T) {
	b := newChromiumProbe(t)
	profile := filepath.Join(b.dir, "profile")
	if _, err := WriteManifest(filepath.Join(profile, "NativeMessagingHosts"), Chromium, b.cfg); err != nil {
		t.Fatal(err)
	}
	b.run(t, nil, "--user-data-dir="+profile)
}

// Install for the user writes where Chromium's default profile folder is ($XDG_CONFIG_HOME/chromium, here in
// a throw-away home). Headless Chromium uses a temporary profile unless told otherwise, so the test names
// that default folder explicitly, as a desktop Chromium would use it.
func TestRealChromiumUserInstall(t *testing.T) {
	b := newChromiumProbe(t)
	home := filepath.Join(b.dir, "home")
	rep, err := Install(b.cfg, Options{Env: &Env{GOOS: "linux", Home: home}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep)
	b.run(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")},
		"--user-data-dir="+filepath.Join(home, ".config", "chromium"))
}

type chromiumProbe struct {
	chromium, dir, ext, marker string
	cfg                        Config
	origin                     string
}

// newChromiumProbe makes an extension with a fixed ID (its manifest "key" is a fresh RSA public key; the ID
// is the first 128 bits of SHA-256 of it, written with the letters a-p) that asks for it.ponte.host every
// second, and a host script that records its first argument.
func newChromiumProbe(t *testing.T) *chromiumProbe {
	chromium := testenv.Tool(t, "chromium")
	if testing.Short() {
		t.Skip("starts a browser")
	}
	dir := testproc.TempDir(t, "ponte-chromium-")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	var id strings.Builder
	for _, b := range sum[:16] {
		id.WriteByte('a' + b>>4)
		id.WriteByte('a' + b&0x0f)
	}
	ext := filepath.Join(dir, "extension")
	os.MkdirAll(ext, 0o755)
	mf, _ := json.Marshal(map[string]any{
		"manifest_version": 3, "name": "ponte install probe", "version": "1.0",
		"key": base64.StdEncoding.EncodeToString(der), "permissions": []string{"nativeMessaging"},
		"background": map[string]any{"service_worker": "sw.js"},
	})
	os.WriteFile(filepath.Join(ext, "manifest.json"), mf, 0o644)
	os.WriteFile(filepath.Join(ext, "sw.js"), []byte(`
function ping() { chrome.runtime.sendNativeMessage("it.ponte.host", {ping: 1}, () => void chrome.runtime.lastError); }
ping(); setInterval(ping, 1000);
`), 0o644)
	marker := filepath.Join(dir, "started")
	host := filepath.Join(dir, "bin", "ponte-host")
	os.MkdirAll(filepath.Dir(host), 0o755)
	os.WriteFile(host, []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+marker+".tmp' && mv '"+marker+".tmp' '"+marker+"'\n"), 0o755)
	return &chromiumProbe{
		chromium: chromium, dir: dir, ext: ext, marker: marker,
		cfg:    Config{HostPath: host, ChromeExtensionID: id.String(), FirefoxAddonID: "ponte@ponte.it"},
		origin: "chrome-extension://" + id.String() + "/",
	}
}

// run starts headless Chromium with the extension (flags for this machine's closed network from the env
// notes) and waits, at most 60 s, for the host to record the origin it was started for.
func (b *chromiumProbe) run(t *testing.T, env []string, args ...string) {
	t.Helper()
	args = append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--load-extension=" + b.ext, "--disable-extensions-except=" + b.ext}, append(args, "about:blank")...)
	cmd := exec.Command(b.chromium, args...)
	cmd.Env = append(os.Environ(), env...)
	logf, err := os.Create(filepath.Join(b.dir, "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf
	testproc.Start(t, cmd)
	got, err := testproc.WaitFile(b.marker, 60*time.Second)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(b.dir, "chromium.log"))
		t.Fatalf("Chromium never started the host (manifest not found or origin refused)\n%s", log)
	}
	if string(got) != b.origin {
		t.Fatalf("host started with origin %q, want %q", got, b.origin)
	}
}
