package install

import (
	"context"
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
	"syscall"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testenv"
)

// A real Chromium finds the manifest WriteManifest puts in its profile's NativeMessagingHosts folder, accepts
// its allowed_origins and starts the host with the extension's origin as first argument (Chrome for
// Developers, "Native messaging protocol"). The host is a script that records that argument and exits.
func TestRealChromiumStartsHost(t *testing.T) {
	chromium := testenv.Tool(t, "chromium")
	if testing.Short() {
		t.Skip("starts a browser")
	}
	// Not t.TempDir: Chromium's helper processes may still be writing the profile for a moment after the
	// browser is killed, so the folder is removed with bounded retries once the whole group is gone.
	dir, err := os.MkdirTemp("", "ponte-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	profile := filepath.Join(dir, "profile")

	// An extension with a fixed ID: the manifest "key" is a fresh RSA public key; the ID is the first 128
	// bits of its SHA-256 written with the letters a-p.
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
	// Ask every second: the first call may come before the profile is fully up.
	os.WriteFile(filepath.Join(ext, "sw.js"), []byte(`
function ping() { chrome.runtime.sendNativeMessage("it.ponte.host", {ping: 1}, () => void chrome.runtime.lastError); }
ping(); setInterval(ping, 1000);
`), 0o644)

	marker := filepath.Join(dir, "started")
	host := filepath.Join(dir, "bin", "ponte-host")
	os.MkdirAll(filepath.Dir(host), 0o755)
	os.WriteFile(host, []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+marker+".tmp' && mv '"+marker+".tmp' '"+marker+"'\n"), 0o755)

	cfg := Config{HostPath: host, ChromeExtensionID: id.String(), FirefoxAddonID: "ponte@ponte.it"}
	if _, err := WriteManifest(filepath.Join(profile, "NativeMessagingHosts"), Chromium, cfg); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--load-extension="+ext, "--disable-extensions-except="+ext, "about:blank")
	logf, _ := os.Create(filepath.Join(dir, "chromium.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own process group, killed whole
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		logf.Close()
	})

	var got []byte
	for i := 0; i < 600 && ctx.Err() == nil; i++ { // at most 60 s
		if got, err = os.ReadFile(marker); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "chromium.log"))
		t.Fatalf("Chromium never started the host (manifest not found or origin refused)\n%s", log)
	}
	if want := "chrome-extension://" + id.String() + "/"; string(got) != want {
		t.Fatalf("host started with origin %q, want %q", got, want)
	}
}
