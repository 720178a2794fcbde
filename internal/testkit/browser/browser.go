// Package browser starts Debian's Chromium with the Ponte extension loaded and ponte-host registered in a
// throw-away profile, for the real-browser tests and `make demo`.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/host/install"
	"github.com/ponte-it/ponte/internal/ids"
)

// Options describe one browser.
type Options struct {
	Chromium  string   // executable; "" finds chromium
	Extension string   // unpacked extension folder to load
	Host      string   // ponte-host executable registered for native messaging ("" registers none)
	Profile   string   // user data dir (a temp dir); NativeMessagingHosts/ goes inside it
	Headless  bool     // --headless=new
	Flags     []string // extra switches, e.g. "--host-resolver-rules=..."
	Env       []string // extra environment for Chromium and so for the host it starts (KEY=value)
}

// Find returns the Chromium executable.
func Find() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium non trovato / not found (apt install chromium)")
}

// Start launches Chromium and returns a chromedp context bound to its first tab, and a function that closes
// the browser.
func Start(ctx context.Context, o Options) (context.Context, context.CancelFunc, error) {
	if o.Chromium == "" {
		p, err := Find()
		if err != nil {
			return nil, nil, err
		}
		o.Chromium = p
	}
	if o.Host != "" {
		// Chromium reads <user-data-dir>/NativeMessagingHosts: the host is registered for this profile only.
		dir := filepath.Join(o.Profile, "NativeMessagingHosts")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		host, err := filepath.Abs(o.Host)
		if err != nil {
			return nil, nil, err
		}
		cfg := install.Config{HostPath: host, ChromeExtensionID: ids.ChromeExtensionID(), FirefoxAddonID: ids.FirefoxAddonID}
		if _, err := install.WriteManifest(dir, install.Chromium, cfg); err != nil {
			return nil, nil, err
		}
	}
	ext, err := filepath.Abs(o.Extension)
	if err != nil {
		return nil, nil, err
	}
	// The switches the workplace notes list for Chromium on a machine with no network besides loopback,
	// plus the ones that let an unpacked extension load.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(o.Chromium),
		chromedp.UserDataDir(o.Profile),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "DisableLoadExtensionCommandLineSwitch"),
		chromedp.Flag("load-extension", ext),
		chromedp.Flag("disable-extensions-except", ext),
		chromedp.WindowSize(1100, 800),
	}
	if o.Headless {
		opts = append(opts, chromedp.Flag("headless", "new"))
	}
	if len(o.Env) > 0 {
		opts = append(opts, chromedp.Env(o.Env...))
	}
	for _, f := range o.Flags {
		name, val := splitFlag(f)
		opts = append(opts, chromedp.Flag(name, val))
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // the first call starts the browser
		bcancel()
		acancel()
		return nil, nil, fmt.Errorf("chromium did not start: %w", err)
	}
	return bctx, func() { bcancel(); acancel() }, nil
}

// ExtensionURL is the address of a page of the loaded extension.
func ExtensionURL(page string) string {
	return "chrome-extension://" + ids.ChromeExtensionID() + "/" + page
}

func splitFlag(f string) (string, any) {
	for len(f) > 0 && f[0] == '-' {
		f = f[1:]
	}
	for i := 0; i < len(f); i++ {
		if f[i] == '=' {
			return f[:i], f[i+1:]
		}
	}
	return f, true
}
