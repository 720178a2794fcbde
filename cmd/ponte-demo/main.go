// Command ponte-demo is `make demo`: it opens Ponte in Chromium with the extension loaded and ponte-host
// registered in a throw-away profile. On a machine without a display it runs Chromium headless, saves a
// screenshot of the app page and says where.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/browser"
)

func main() {
	build := flag.String("build", "build", "folder with ponte-host and extension/ (make build)")
	headless := flag.Bool("headless", os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "", "run Chromium without a window")
	flag.Parse()
	if err := run(*build, *headless); err != nil {
		fmt.Fprintln(os.Stderr, "ponte-demo:", err)
		os.Exit(1)
	}
}

func run(build string, headless bool) error {
	profile, err := os.MkdirTemp("", "ponte-demo-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bctx, closeBrowser, err := browser.Start(ctx, browser.Options{
		Extension: filepath.Join(build, "extension"),
		Host:      filepath.Join(build, "ponte-host"),
		Profile:   profile,
		Headless:  headless,
	})
	if err != nil {
		return err
	}
	defer closeBrowser()

	wait, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	err = chromedp.Do(wait,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`#host-status:not([data-conn="connecting"])`)),
	)
	if err != nil {
		return fmt.Errorf("the app page did not come up: %w", err)
	}
	status, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#host-status")))
	fmt.Println("Ponte:", strings.Join(strings.Fields(status), " "))

	if !headless {
		fmt.Println("Chromium è aperto con Ponte; chiudere la finestra o premere Ctrl-C per uscire. / Chromium is open with Ponte; close it or press Ctrl-C to quit.")
		if err := chromedp.WaitClosed(bctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	out := filepath.Join(build, "demo", "app.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		return err
	}
	abs, _ := filepath.Abs(out)
	fmt.Println("Nessuno schermo: Chromium è partito senza finestra; schermata salvata in / No display: Chromium ran headless; screenshot saved to", abs)
	return nil
}
