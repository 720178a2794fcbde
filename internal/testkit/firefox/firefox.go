// Package firefox starts Debian's firefox-esr with the Ponte extension installed in a throw-away profile and
// drives it over WebDriver BiDi, the remote protocol built into Firefox (no geckodriver, which Debian does
// not package). It is the Firefox counterpart of package browser, for the real-browser tests.
//
// How: `firefox --remote-debugging-port 0` starts the Remote Agent, which prints "WebDriver BiDi listening on
// ws://127.0.0.1:PORT" (firefox-source-docs, "Remote Protocols"); the client opens ws://…/session and sends
// session.new (W3C WebDriver BiDi §7.2.2.2). The unpacked extension is installed with webExtension.install
// (§7.9.3.1), which Firefox does as a temporary add-on, so it needs no Mozilla signature. Its
// moz-extension:// UUID is chosen up front through the pref extensions.webextensions.uuids, which Firefox
// consults before minting one, so the test knows the page address.
package firefox

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Options describe one Firefox.
type Options struct {
	Firefox   string   // executable; "" finds firefox-esr or firefox
	Profile   string   // an empty folder for the profile
	Extension string   // unpacked Firefox flavour to install (build/extension-firefox); "" installs none
	AddonID   string   // its browser_specific_settings.gecko.id
	Env       []string // environment (KEY=value) on top of the test's, e.g. HOME of a fake home
	Log       io.Writer
	Prefs     map[string]any // more prefs for user.js, over the defaults (prefs)
}

// Browser is a running Firefox with one BiDi session.
type Browser struct {
	cmd      *exec.Cmd
	bidi     *Client
	Context  string // the first tab's browsing context
	Base     string // moz-extension://<uuid>/ of the installed extension
	stopOnce bool
}

// Find returns the Firefox executable.
func Find() (string, error) {
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("Firefox non trovato / not found (apt install firefox-esr)")
}

// prefs keep a test Firefox quiet and off the network, and fix the extension's UUID.
func prefs(addonID, uuid string) map[string]any {
	p := map[string]any{
		"app.update.enabled":                            false,
		"app.normandy.enabled":                          false,
		"browser.shell.checkDefaultBrowser":             false,
		"browser.startup.homepage_override.mstone":      "ignore",
		"browser.aboutwelcome.enabled":                  false,
		"datareporting.policy.dataSubmissionEnabled":    false,
		"toolkit.telemetry.reportingpolicy.firstRun":    false,
		"network.connectivity-service.enabled":          false,
		"network.captive-portal-service.enabled":        false,
		"browser.safebrowsing.update.enabled":           false,
		"browser.safebrowsing.downloads.remote.enabled": false,
		"extensions.update.enabled":                     false,
		"extensions.getAddons.cache.enabled":            false,
		"extensions.systemAddon.update.enabled":         false,
		"intl.locale.requested":                         "it",
		"intl.accept_languages":                         "it-IT, it",
	}
	if addonID != "" {
		b, _ := json.Marshal(map[string]string{addonID: uuid})
		p["extensions.webextensions.uuids"] = string(b)
	}
	return p
}

var listening = regexp.MustCompile(`WebDriver BiDi listening on (ws://[0-9.:\[\]a-z]+)`)

// Start launches headless Firefox, opens a BiDi session and installs the extension. stop kills Firefox.
func Start(ctx context.Context, o Options) (*Browser, error) {
	if o.Firefox == "" {
		p, err := Find()
		if err != nil {
			return nil, err
		}
		o.Firefox = p
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	uuid := newUUID()
	var js strings.Builder
	all := prefs(o.AddonID, uuid)
	for k, v := range o.Prefs {
		all[k] = v
	}
	for k, v := range all {
		b, _ := json.Marshal(v)
		fmt.Fprintf(&js, "user_pref(%q, %s);\n", k, b)
	}
	if err := os.MkdirAll(o.Profile, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Profile, "user.js"), []byte(js.String()), 0o644); err != nil {
		return nil, err
	}
	// Since Firefox 153 the Remote Agent navigates only to http(s), file, blob and about:blank unless system
	// access is allowed (Mozilla bug 1579790); moz-extension:// pages need it.
	cmd := exec.Command(o.Firefox, "--headless", "--no-remote", "--profile", o.Profile,
		"--remote-debugging-port", "0", "--remote-allow-system-access", "about:blank")
	cmd.Env = append(append(os.Environ(), "MOZ_HEADLESS=1", "MOZ_CRASHREPORTER_DISABLE=1"), o.Env...)
	cmd.Stdout = o.Log
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &Browser{cmd: cmd}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			fmt.Fprintln(o.Log, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	var ws string
	select {
	case a, ok := <-addr:
		if !ok {
			b.Stop()
			return nil, fmt.Errorf("firefox exited before WebDriver BiDi listened")
		}
		ws = a
	case <-ctx.Done():
		b.Stop()
		return nil, fmt.Errorf("waiting for WebDriver BiDi: %w", ctx.Err())
	}
	if err := b.open(ctx, ws, o, uuid); err != nil {
		b.Stop()
		return nil, err
	}
	return b, nil
}

func (b *Browser) open(ctx context.Context, ws string, o Options, uuid string) error {
	c, err := Dial(ctx, ws+"/session")
	if err != nil {
		return err
	}
	b.bidi = c
	if err := c.Call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}, nil); err != nil {
		return err
	}
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := c.Call(ctx, "browsingContext.getTree", map[string]any{}, &tree); err != nil {
		return err
	}
	if len(tree.Contexts) == 0 {
		return fmt.Errorf("firefox has no tab")
	}
	b.Context = tree.Contexts[0].Context
	if o.Extension == "" {
		return nil
	}
	dir, err := filepath.Abs(o.Extension)
	if err != nil {
		return err
	}
	var inst struct {
		Extension string `json:"extension"`
	}
	if err := c.Call(ctx, "webExtension.install", map[string]any{
		"extensionData": map[string]any{"type": "path", "path": dir},
	}, &inst); err != nil {
		return fmt.Errorf("installing %s: %w", dir, err)
	}
	if inst.Extension != o.AddonID {
		return fmt.Errorf("installed add-on %q, want %q", inst.Extension, o.AddonID)
	}
	b.Base = "moz-extension://" + uuid + "/"
	return nil
}

// Navigate loads url in the tab and waits for the load event.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	return b.bidi.Call(ctx, "browsingContext.navigate", map[string]any{"context": b.Context, "url": url, "wait": "complete"}, nil)
}

// Eval evaluates a JavaScript expression in the tab (promises are awaited) and returns its value as JSON
// (BiDi remote value serialisation: strings and numbers come back as themselves; null for undefined).
func (b *Browser) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := b.bidi.Call(ctx, "script.evaluate", map[string]any{
		"expression": expr, "target": map[string]any{"context": b.Context}, "awaitPromise": true,
	}, &r)
	if err != nil {
		return nil, err
	}
	if r.Type == "exception" {
		return nil, fmt.Errorf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	if r.Result.Value == nil {
		return json.RawMessage("null"), nil
	}
	return r.Result.Value, nil
}

// Text is the trimmed textContent of the first element matching the CSS selector, or "" if there is none.
func (b *Browser) Text(ctx context.Context, selector string) (string, error) {
	sel, _ := json.Marshal(selector)
	v, err := b.Eval(ctx, `(document.querySelector(`+string(sel)+`) || {textContent: ""}).textContent.trim()`)
	if err != nil {
		return "", err
	}
	var s string
	err = json.Unmarshal(v, &s)
	return s, err
}

// WaitFor polls the CSS selector every 200 ms until an element matches or ctx ends.
func (b *Browser) WaitFor(ctx context.Context, selector string) error {
	sel, _ := json.Marshal(selector)
	for {
		v, err := b.Eval(ctx, `document.querySelector(`+string(sel)+`) !== null`)
		if err != nil {
			return err
		}
		if string(v) == "true" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", selector, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Screenshot returns a PNG of the tab's viewport.
func (b *Browser) Screenshot(ctx context.Context) ([]byte, error) {
	var r struct {
		Data []byte `json:"data"` // base64 in JSON, decoded by encoding/json
	}
	err := b.bidi.Call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": b.Context}, &r)
	return r.Data, err
}

// Stop ends the session and kills Firefox (and its content processes, which share its process group).
func (b *Browser) Stop() {
	if b.stopOnce {
		return
	}
	b.stopOnce = true
	if b.bidi != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b.bidi.Call(ctx, "session.end", map[string]any{}, nil)
		cancel()
		b.bidi.Close()
	}
	killGroup(b.cmd)
	b.cmd.Wait()
}

func newUUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4 (RFC 9562 §5.4)
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// FindContext returns the id of a top-level browsing context (a tab or a window such as an extension's
// popup) whose URL contains part, or "" when there is none. Set Browser.Context to it to drive that
// window; set it back to drive the tab.
func (b *Browser) FindContext(ctx context.Context, part string) (string, error) {
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
			URL     string `json:"url"`
		} `json:"contexts"`
	}
	if err := b.bidi.Call(ctx, "browsingContext.getTree", map[string]any{"maxDepth": 0}, &tree); err != nil {
		return "", err
	}
	for _, c := range tree.Contexts {
		if strings.Contains(c.URL, part) {
			return c.Context, nil
		}
	}
	return "", nil
}
