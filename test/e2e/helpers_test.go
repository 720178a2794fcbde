package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/firefox"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/testproc"
)

// The real-browser tests' helpers, all in this file. Every one is bounded: a browser call runs under a
// deadline (a missing selector fails in seconds, naming the selector, with a screenshot), and every wait
// for a state is eventually, which polls a bounded number of times within a bounded time.

// built returns the build folder with ponte-host and the extension, or fails/skips.
func built(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PONTE_BUILD")
	if dir == "" {
		dir = filepath.Join(testenv.Root(), "build")
	}
	testenv.File(t, "ponte-host (make build)", filepath.Join(dir, "ponte-host"))
	testenv.File(t, "the extension (make build)", filepath.Join(dir, "extension", "ponte.wasm"))
	return dir
}

// hostVersion is what `ponte-host version` prints.
func hostVersion(t *testing.T, build string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(build, "ponte-host"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// startBrowser launches headless Chromium with the built extension; host "" registers no native host.
func startBrowser(t *testing.T, build, host string, flags ...string) context.Context {
	t.Helper()
	return startBrowserWith(t, filepath.Join(build, "extension"), host, nil, flags...)
}

// startBrowserWith launches headless Chromium (Italian) with an extension folder and an environment for
// the host it starts.
func startBrowserWith(t *testing.T, extension, host string, env []string, flags ...string) context.Context {
	t.Helper()
	chromium := testenv.Tool(t, "chromium")
	ctx, cancel, err := browser.Start(context.Background(), browser.Options{
		Chromium:  chromium,
		Extension: extension,
		Host:      host,
		Profile:   t.TempDir(),
		Headless:  true,
		Env:       env,
		Flags:     append([]string{"--lang=it-IT", "--accept-lang=it-IT,it"}, flags...),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return ctx
}

// within runs actions with a time bound so a broken page fails instead of hanging.
func within(t *testing.T, ctx context.Context, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		shot(t, ctx, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(s)
}

// shot saves a screenshot under test/artefacts/e2e. A tab behind another gets no frames, and Chromium
// answers a screenshot of it only after minutes: the wait is bounded, and front brings a tab forward.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	saveShot(t, name, png, err)
}

// front makes ctx's tab the active one of its window (page.bringToFront), as a user's click on it would.
func front(t *testing.T, ctx context.Context) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(tctx, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// saveShot writes a browser's screenshot (or logs why there is none) under test/artefacts/e2e.
func saveShot(t *testing.T, name string, png []byte, err error) {
	t.Helper()
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(testenv.Artefacts(t, "e2e"), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// workerContext attaches to the extension's service worker (background.js), waiting for it to start.
func workerContext(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	return attach(t, ctx, waitTarget(t, ctx, "service_worker", "/background.js"))
}

// waitTarget waits for a target of a type whose URL contains part.
func waitTarget(t *testing.T, ctx context.Context, typ, part string) target.ID {
	t.Helper()
	for i := 0; i < 150; i++ {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			if in.Type == typ && strings.Contains(in.URL, part) {
				return in.TargetID
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no %s target at %s", typ, part)
	return ""
}

// attach binds a context to an existing target. The first call on it attaches, and the target lives as
// long as the context of that call: so it is made here, without a timeout.
func attach(t *testing.T, ctx context.Context, id target.ID) context.Context {
	t.Helper()
	c, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	if err := chromedp.Do(c); err != nil {
		t.Fatalf("attach to %s: %v", id, err)
	}
	return c
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// startFirefox runs Debian's firefox-esr headless with build/extension-firefox installed, for a user whose
// home is home (Firefox reads ~/.mozilla/native-messaging-hosts/ from it); env is added to its environment
// (and so to the host's).
func startFirefox(t *testing.T, build, home string, env ...string) *firefox.Browser {
	t.Helper()
	return startFirefoxWith(t, build, home, nil, env...)
}

// startFirefoxWith is startFirefox with more prefs in the profile.
func startFirefoxWith(t *testing.T, build, home string, prefs map[string]any, env ...string) *firefox.Browser {
	t.Helper()
	ff := testenv.Tool(t, "firefox-esr")
	ext := filepath.Join(build, "extension-firefox")
	testenv.File(t, "the Firefox extension (make build)", filepath.Join(ext, "manifest.json"))
	dir := testproc.TempDir(t, "ponte-ff-")
	logf, err := os.Create(filepath.Join(testenv.Artefacts(t, "e2e"), "firefox-"+strings.ReplaceAll(t.Name(), "/", "-")+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := firefox.Start(ctx, firefox.Options{
		Firefox:   ff,
		Profile:   filepath.Join(dir, "profile"),
		Extension: ext,
		AddonID:   ids.FirefoxAddonID,
		Env:       append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config")),
		Log:       logf,
		Prefs:     prefs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

// ffShot saves a screenshot of Firefox's tab under test/artefacts/e2e.
func ffShot(t *testing.T, b *firefox.Browser, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	png, err := b.Screenshot(ctx)
	saveShot(t, name, png, err)
}

// ffWait opens the extension's page and waits for selector, failing with a screenshot.
func ffWait(t *testing.T, b *firefox.Browser, page, selector string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := b.Navigate(ctx, b.Base+page)
	if err == nil {
		err = b.WaitFor(ctx, selector)
	}
	if err != nil {
		ffShot(t, b, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatal(err)
	}
}

func ffText(t *testing.T, b *firefox.Browser, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := b.Text(ctx, selector)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ffAttr is the data-<name> attribute of the first element matching selector ("" if none).
func ffAttr(t *testing.T, b *firefox.Browser, selector, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sel, _ := json.Marshal(selector)
	key, _ := json.Marshal(name)
	v, err := b.Eval(ctx, `((document.querySelector(`+string(sel)+`) || {dataset: {}}).dataset[`+string(key)+`] || "")`)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// ffEval evaluates expr in Firefox's current context and decodes the value.
func ffEval[T any](t *testing.T, b *firefox.Browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := b.Eval(ctx, expr)
	var v T
	if err == nil {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		ffShot(t, b, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// ffUntil waits (bounded) for expr to be true in the current context.
func ffUntil(t *testing.T, b *firefox.Browser, expr string) {
	t.Helper()
	for range 300 {
		if ffEval[bool](t, b, `!!(`+expr+`)`) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	ffShot(t, b, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
	t.Fatalf("never true: %s", expr)
}
