// Package e2e holds the real-browser tests: Debian's Chromium, headless, with the built extension loaded and
// the built ponte-host registered in a throw-away profile. `make test` builds both first (PONTE_BUILD).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/browser"
	"github.com/ponte-it/ponte/internal/testenv"
)

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

// shown is the text of sel read in one evaluation: a page the module redraws (the cards arriving after the
// host's hello) can replace the node between chromedp.Text's query and its read ("No node with given id").
func shown(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
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

// The extension's app page, rendered by the WASM module, shows the version the host reports over native
// messaging — the same string `ponte-host version` prints — and the extension's own, stamped from git.
func TestAppPageOverNativeMessaging(t *testing.T) {
	build := built(t)
	want := hostVersion(t, build)
	ctx := startBrowser(t, build, filepath.Join(build, "ponte-host"))

	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		// connected: the module's drawing (boot.js shows the version first, data-conn="hello").
		chromedp.WaitVisible(chromedp.CSS(`#host-status[data-conn="connected"] #host-version`)),
	)
	if got := shown(t, ctx, "#host-version"); got != want {
		t.Fatalf("app page shows host version %q, ponte-host version says %q", got, want)
	}
	if got := shown(t, ctx, "#ext-version"); got != want {
		t.Fatalf("extension version %q differs from host version %q (both come from git)", got, want)
	}
	if got := shown(t, ctx, "#host-transport"); !strings.Contains(got, "native messaging") {
		t.Fatalf("transport shown %q", got)
	}
	if h := shown(t, ctx, "h1"); h != "La tua tessera" {
		t.Fatalf("Italian (the default for an Italian browser) title %q", h)
	}
	shot(t, ctx, "app-native-it")

	// The language switch re-renders in English from the same catalogue files.
	within(t, ctx, 20*time.Second,
		chromedp.Click(chromedp.CSS(`button[data-lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-lang="en"][aria-pressed="true"]`)),
	)
	if h := shown(t, ctx, "h1"); h != "Your card" {
		t.Fatalf("English title %q", h)
	}
	shot(t, ctx, "app-native-en")

	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("popup.html")),
		chromedp.WaitVisible(chromedp.CSS(`#host-status[data-conn="connected"] #host-version`)),
	)
	if got := shown(t, ctx, "#host-version"); got != want {
		t.Fatalf("popup shows %q, want %q", got, want)
	}
	shot(t, ctx, "popup-native")
}

// Without a registered host the page says so in words and shows Chrome's reason.
func TestAppPageWithoutHost(t *testing.T) {
	build := built(t)
	ctx := startBrowser(t, build, "")
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`#host-status[data-conn="failed"]`)),
	)
	if d := text(t, ctx, "#problem-detail"); !strings.Contains(strings.ToLower(d), "native messaging host not found") {
		t.Fatalf("problem detail %q does not carry Chrome's reason", d)
	}
	// The page calls it "not installed" and gives the Linux steps (this is Linux): the .deb for Debian and
	// Ubuntu, ponte-host install elsewhere, and the Snap and Flatpak notes.
	if got := text(t, ctx, "#host-issue-title"); got != "Il programma Ponte non è installato" {
		t.Fatalf("issue title %q", got)
	}
	fix := text(t, ctx, "#host-fix")
	for _, want := range []string{"sudo apt install ./ponte_*.deb", "ponte-host install", "xdg-desktop-portal",
		"flatpak override --user --talk-name=org.freedesktop.Flatpak"} {
		if !strings.Contains(fix, want) {
			t.Errorf("install steps lack %q:\n%s", want, fix)
		}
	}
	if strings.Contains(fix, "install.ps1") || strings.Contains(fix, "install.sh") {
		t.Errorf("Windows or macOS steps shown on Linux:\n%s", fix)
	}
	shot(t, ctx, "app-no-host")

	// The popup names the problem too and sends to the app page for the steps.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("popup.html")),
		chromedp.WaitVisible(chromedp.CSS(`#host-issue[data-issue="not-installed"]`)),
	)
	if got := text(t, ctx, "#host-issue"); !strings.Contains(got, "Apri Ponte per i passi da seguire") {
		t.Errorf("popup: %q", got)
	}
}

// The local web app of `ponte-host serve` speaks the same protocol over WebSocket.
func TestLocalWebAppOverWebSocket(t *testing.T) {
	build := built(t)
	want := hostVersion(t, build)
	cmd := exec.Command(filepath.Join(build, "ponte-host"), "serve", "--listen", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://127.0.0.1:"); i >= 0 {
				urls <- sc.Text()[i:]
				return
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("ponte-host serve printed no address")
	}

	ctx := startBrowser(t, build, "")
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#host-version")),
	)
	if got := text(t, ctx, "#host-version"); got != want {
		t.Fatalf("local app shows %q, want %q", got, want)
	}
	if got := text(t, ctx, "#host-transport"); !strings.Contains(got, "WebSocket") {
		t.Fatalf("transport shown %q", got)
	}
	shot(t, ctx, "local-app-websocket")

	// The same page without the secret is refused by the host, and says what to do.
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(strings.Split(url, "#")[0]),
		chromedp.WaitVisible(chromedp.CSS(`#host-status[data-conn="failed"]`)),
	)
	shot(t, ctx, "local-app-no-secret")
}
