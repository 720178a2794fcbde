// Package e2e holds the real-browser tests: Debian's Chromium, headless, with the built extension loaded and
// the built ponte-host registered in a throw-away profile. `make test` builds both first (PONTE_BUILD).
package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

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
