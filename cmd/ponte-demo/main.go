// Command ponte-demo is `make demo`: Ponte on the embedded default. It starts ponte-ca on loopback, a
// virtual TS-CNS (a SoftHSM2 token provisioned by that CA, and the same card on a private pcscd through
// vpcd), and Chromium with the extension loaded and ponte-host registered in a throw-away profile, on the
// card list. With -headless (HEADLESS=1, and the default on a machine without a display) it drives the
// whole renewal itself, prints the old and the new expiry and exits 0.
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

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

func main() {
	build := flag.String("build", "build", "folder with ponte-host and extension/ (make build)")
	headless := flag.Bool("headless", os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "", "run Chromium without a window and drive the renewal")
	flag.Parse()
	if err := run(*build, *headless); err != nil {
		fmt.Fprintln(os.Stderr, "ponte-demo:", err)
		os.Exit(1)
	}
}

func run(build string, headless bool) error {
	dir, err := os.MkdirTemp("", "ponte-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("Ponte demo: CA, tessera virtuale, browser… / CA, virtual card, browser…")
	bed, err := testbed.Start(testbed.Options{Dir: filepath.Join(dir, "bed")})
	if err != nil {
		return err
	}
	defer bed.Close()
	fmt.Printf("  CA: %s\n  Tessera / card: %s %s (%s), PIN %s, PUK %s\n", bed.CAURL, bed.Holder.Surname, bed.Holder.Name, bed.Card.Label, testbed.PIN, testbed.PUK)

	ext := filepath.Join(dir, "extension")
	if err := os.CopyFS(ext, os.DirFS(filepath.Join(build, "extension"))); err != nil {
		return fmt.Errorf("the extension is not built (make build): %w", err)
	}
	if err := os.CopyFS(filepath.Join(ext, "profiles"), os.DirFS(bed.ProfilesDir)); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bctx, closeBrowser, err := browser.Start(ctx, browser.Options{
		Extension: ext, Host: filepath.Join(build, "ponte-host"), Profile: filepath.Join(dir, "profile"),
		Headless: headless, Env: bed.Env, Flags: []string{"--lang=it-IT", "--accept-lang=it-IT,it"},
	})
	if err != nil {
		return err
	}
	defer closeBrowser()
	card := `article.smartcard li[data-role="cns"] .cert-expiry`
	wait, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.Navigate(browser.ExtensionURL("app.html")), chromedp.WaitVisible(chromedp.CSS(card))); err != nil {
		return fmt.Errorf("the card list did not show the virtual card: %w", err)
	}
	old, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(card)))
	fmt.Println("  Certificato CNS / CNS certificate:", strings.TrimSpace(old))

	if !headless {
		fmt.Println("Chromium è aperto sull'elenco delle tessere: premi RINNOVA. Chiudi la finestra o premi Ctrl-C per uscire.")
		fmt.Println("Chromium is open on the card list: press RINNOVA. Close it or press Ctrl-C to quit.")
		if err := chromedp.WaitClosed(bctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	shots := filepath.Join(build, "demo")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		return err
	}
	shot := func(name string) {
		if png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		}
	}
	shot("0-cards")
	if err := browser.Renewal(bctx, "cns", testbed.PIN, "", "", shot); err != nil {
		shot("failure")
		return err
	}
	expiry, err := browser.WaitRenewed(bctx, 3*time.Minute)
	shot("4-result")
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(shots)
	fmt.Println("  Certificato rinnovato e attivo / certificate renewed and active:", strings.TrimSpace(expiry))
	fmt.Printf("  prima / before: %s\n  dopo / after:   %s\n  schermate / screenshots: %s\n", strings.TrimSpace(old), strings.TrimSpace(expiry), abs)
	return nil
}
