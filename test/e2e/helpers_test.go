package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/firefox"
	"github.com/ponte-it/ponte/internal/testkit/pcscd"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/testproc"
)

// The real-browser tests' helpers, all in this file. Every one is bounded: a browser call runs under a
// deadline (a missing selector fails in seconds, naming the selector or the step and the page, with a
// screenshot), and every wait for a state is eventually, which polls a bounded number of times within a
// bounded time.

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

// within runs steps in order, all within d, so a broken page fails instead of hanging; the failure
// names the step (its position in the call, which the reported line shows), the tab's address and text,
// and saves a screenshot.
func within(t testing.TB, ctx context.Context, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for i, step := range steps {
		if err := chromedp.Do(tctx, step); err != nil {
			failPage(t, ctx, fmt.Sprintf("step %d of %d did not complete within %v", i+1, len(steps), d), err)
		}
	}
}

// shown is the text of sel read in one evaluation: a page the module redraws (the cards arriving after the
// host's hello) can replace the node between chromedp.Text's query and its read ("No node with given id").
func shown(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
}

// textWait bounds text: an element that is not on the page fails the test in seconds.
const textWait = 10 * time.Second

// text is the trimmed text of the first element matching sel, waiting at most textWait for it.
func text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, textWait)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		failPage(t, ctx, fmt.Sprintf("no %s on the page within %v", sel, textWait), err)
	}
	return strings.TrimSpace(s)
}

// attr is the value of the attribute name of the first element matching sel ("" if it has none), waiting
// at most textWait for the element. Tests assert on data attributes and codes where the wording is not
// what they test, so a reworded message does not break them.
func attr(t testing.TB, ctx context.Context, sel, name string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, textWait)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		failPage(t, ctx, fmt.Sprintf("no %s on the page within %v", sel, textWait), err)
	}
	return v.Value
}

// failPage ends the test for a browser step that did not complete: what, the error, where the tab is and
// what it shows, and a screenshot.
func failPage(t testing.TB, ctx context.Context, what string, err error) {
	t.Helper()
	shot(t, ctx, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
	t.Fatalf("%s: %v\n%s", what, err, pageState(ctx))
}

// pageState is the tab's address and the start of its visible text, for failure messages.
func pageState(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Evaluate[string](
		`location.href + "\n" + (typeof document === "object" && document.body ? document.body.innerText.slice(0, 600) : "")`))
	if err != nil {
		return "(the tab did not answer: " + err.Error() + ")"
	}
	return "tab at " + s
}

// pollEvery is eventually's interval.
const pollEvery = 200 * time.Millisecond

// eventually is the one poller of these tests, for a state the page, the worker or the host reaches on
// its own time (a cache written, a file downloaded, a window opened). It calls check every pollEvery until
// check reports done, at most d/pollEvery+1 times and for at most d (plus one check's own bound); then it
// fails the test with what and the last state check described.
func eventually(t testing.TB, d time.Duration, what string, check func() (done bool, last string)) {
	t.Helper()
	if ok, last := poll(d, check); !ok {
		t.Fatalf("%s: not so within %v; last seen: %s", what, d, last)
	}
}

// poll is eventually's loop, for a caller that adds to the failure (ffUntil's screenshot).
func poll(d time.Duration, check func() (done bool, last string)) (bool, string) {
	deadline := time.Now().Add(d)
	var last string
	for n := int(d/pollEvery) + 1; n > 0; n-- {
		var done bool
		if done, last = check(); done {
			return true, last
		}
		if !time.Now().Before(deadline) {
			break
		}
		time.Sleep(pollEvery)
	}
	return false, last
}

// shot saves a screenshot under test/artefacts/e2e. A tab behind another gets no frames, and Chromium
// answers a screenshot of it only after minutes: the wait is bounded, and front brings a tab forward.
func shot(t testing.TB, ctx context.Context, name string) {
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
func saveShot(t testing.TB, name string, png []byte, err error) {
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

// targetsOf lists the browser's targets of a type whose URL contains part.
func targetsOf(t testing.TB, ctx context.Context, typ, part string) []target.ID {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	infos, err := chromedp.Targets(c)
	if err != nil {
		t.Fatalf("list the browser's targets: %v", err)
	}
	var ids []target.ID
	for _, in := range infos {
		if in.Type == typ && strings.Contains(in.URL, part) {
			ids = append(ids, in.TargetID)
		}
	}
	return ids
}

// targetOf is the first target of a type whose URL contains part ("" if none).
func targetOf(t testing.TB, ctx context.Context, typ, part string) target.ID {
	t.Helper()
	if ids := targetsOf(t, ctx, typ, part); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// waitTarget waits (30 s at most) for a target of a type whose URL contains part.
func waitTarget(t testing.TB, ctx context.Context, typ, part string) target.ID {
	t.Helper()
	var id target.ID
	eventually(t, 30*time.Second, "a "+typ+" target at "+part, func() (bool, string) {
		id = targetOf(t, ctx, typ, part)
		return id != "", "none"
	})
	return id
}

// attach binds a context to an existing target. The first call on it attaches, and the target lives as
// long as the context of that call: so that call gets no timeout of its own, and the wait for it is
// bounded here instead.
func attach(t testing.TB, ctx context.Context, id target.ID, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	c, cancel := chromedp.NewContext(ctx, append([]chromedp.ContextOption{chromedp.WithTargetID(id)}, opts...)...)
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(c) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("attach to %s: %v", id, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("attach to %s: no answer within 30s", id)
	}
	return c
}

// eval evaluates expr (awaiting a promise) in ctx's target, within 30 s.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
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

// ffWatchRedraws counts from now on every change inside the page's #app; the check it returns fails the
// test if there was one: a page redrawn or reflowed under a button moves or replaces it, and the click
// meant for it lands elsewhere (the setup page's "Consenti l'accesso", wasm/setup.go).
func ffWatchRedraws(t *testing.T, b *firefox.Browser) (check func(page string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := b.Eval(ctx, `(() => { globalThis.ponteRedrawn = 0;
		new MutationObserver(() => { globalThis.ponteRedrawn++; }).observe(document.getElementById("app"), {childList: true, subtree: true, attributes: true, characterData: true});
		return 0; })()`); err != nil {
		t.Fatal(err)
	}
	return func(page string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if n, err := b.Eval(ctx, `globalThis.ponteRedrawn`); err != nil || string(n) != "0" {
			t.Errorf("%s changed %s times under its permission button before the click (%v)", page, n, err)
		}
	}
}

// ffText is the trimmed text of the first element matching selector ("" if none), read within 20 s.
func ffText(t *testing.T, b *firefox.Browser, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := b.Text(ctx, selector)
	if err != nil {
		t.Fatalf("text of %s: %v", selector, err)
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
		t.Fatalf("data-%s of %s: %v", name, selector, err)
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

// ffUntil waits (60 s at most) for expr to be true in the current context.
func ffUntil(t *testing.T, b *firefox.Browser, expr string) {
	t.Helper()
	if ok, _ := poll(60*time.Second, func() (bool, string) { return ffEval[bool](t, b, `!!(`+expr+`)`), "" }); !ok {
		ffShot(t, b, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("not true within 60s: %s", expr)
	}
}

// allowDownloads sends the page's downloads to dir under their own names.
func allowDownloads(t *testing.T, ctx context.Context, dir string) {
	t.Helper()
	within(t, ctx, 20*time.Second, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		})
		return err
	}))
}

// waitFile waits (60 s at most) for a completed download.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	var b []byte
	eventually(t, 60*time.Second, "the download "+path, func() (bool, string) {
		var err error
		if b, err = os.ReadFile(path); err == nil && len(b) > 0 {
			if _, err := os.Stat(path + ".crdownload"); err != nil {
				return true, ""
			}
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		return false, fmt.Sprintf("the folder has %v", entries)
	})
	return b
}

// startBed starts the embedded default (ponte-ca, SoftHSM TS-CNS, the same card on a private pcscd).
func startBed(t *testing.T, o testbed.Options) *testbed.Bed {
	t.Helper()
	testenv.Tool(t, "pcscd")
	testenv.File(t, "vpcd driver (vsmartcard-vpcd)", pcscd.VPCDDriver...)
	testenv.Tool(t, "softhsm2-util")
	o.Dir = t.TempDir()
	t.Setenv("SOFTHSM2_CONF", "") // restored after the test; the bed sets its own
	b, err := testbed.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// extensionWithProfiles copies the built extension and adds the bed's CA profiles.
func extensionWithProfiles(t *testing.T, build string, b *testbed.Bed) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "extension")
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(build, "extension"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dst, "profiles"), os.DirFS(b.ProfilesDir)); err != nil {
		t.Fatal(err)
	}
	// Verification without the AgID list from the network (trustedlist_test.go serves a local one).
	if err := os.WriteFile(filepath.Join(dst, "tsl.json"), []byte(`{"url":"off"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// bedBrowser starts the embedded default and a browser with the built extension (plus the bed's CA
// profiles) and ponte-host registered, the host seeing the bed's card.
func bedBrowser(t *testing.T, flags ...string) (*testbed.Bed, context.Context) {
	t.Helper()
	build := built(t)
	bed := startBed(t, testbed.Options{})
	ext := extensionWithProfiles(t, build, bed)
	return bed, startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env, flags...)
}
