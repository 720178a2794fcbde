package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/browser"
	"github.com/ponte-it/ponte/internal/testbed"
)

// chromeBench is headless Chromium with the extension, the testbed's card and the Firma page open.
type chromeBench struct {
	ctx       context.Context
	stop      context.CancelFunc
	bed       *testbed.Bed
	downloads string
}

func startBrowser(build, work string) (*chromeBench, error) {
	bed, err := testbed.Start(testbed.Options{Dir: filepath.Join(work, "bed"), NoPCSC: true})
	if err != nil {
		return nil, err
	}
	ext := filepath.Join(work, "extension")
	if err := os.CopyFS(ext, os.DirFS(filepath.Join(build, "extension"))); err != nil {
		bed.Close()
		return nil, fmt.Errorf("the extension (make build): %w", err)
	}
	if err := os.CopyFS(filepath.Join(ext, "profiles"), os.DirFS(bed.ProfilesDir)); err != nil {
		bed.Close()
		return nil, err
	}
	host, _ := filepath.Abs(filepath.Join(build, "ponte-host"))
	ctx, cancel, err := browser.Start(context.Background(), browser.Options{Extension: ext, Host: host,
		Profile: filepath.Join(work, "profile"), Headless: true, Env: bed.Env,
		Flags: []string{"--lang=it-IT", "--enable-precise-memory-info"}})
	if err != nil {
		bed.Close()
		return nil, err
	}
	b := &chromeBench{ctx: ctx, stop: cancel, bed: bed, downloads: filepath.Join(work, "downloads")}
	os.MkdirAll(b.downloads, 0o755)
	if err := b.do(2*time.Minute,
		chromedp.Navigate(browser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"]`)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.downloads})
			return err
		}),
	); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *chromeBench) close() {
	b.stop()
	b.bed.Close()
}

func (b *chromeBench) do(d time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// sign signs in on the page (B-B, invisible: the same work as the other two signers) and measures.
func (b *chromeBench) sign(in string) result {
	// A fresh page each time: the previous file's Blob and URL are gone, the baseline is the page at rest.
	if err := b.do(2*time.Minute, chromedp.Navigate(browser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-tsa`))); err != nil {
		return result{err: err}
	}
	time.Sleep(time.Second)
	pid := chromedp.FromContext(b.ctx).Browser.Process().Pid
	base := treeRSS(pid)
	out := filepath.Join(b.downloads, strings.TrimSuffix(filepath.Base(in), ".pdf")+"-firmato.pdf")
	peak := base
	done := make(chan struct{})
	go func() { // sample the whole Chromium process tree
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				peak = max(peak, treeRSS(pid))
			}
		}
	}()
	var heap float64
	var hasher string
	start := time.Now()
	err := b.do(30*time.Minute,
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{in}),
		chromedp.Click(chromedp.CSS("#sign-tsa")), // no time stamp: B-B like the others
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin2")),
		chromedp.SendKeys(chromedp.CSS("#sign-pin2"), testbed.PIN),
		chromedp.Click(chromedp.CSS("#sign-confirm2")),
		chromedp.WaitVisible(chromedp.CSS("#sign-done")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("performance.memory ? performance.memory.usedJSHeapSize : 0"))
			heap = v
			if err != nil {
				return err
			}
			// Which SHA-256 hashed the file (extension/hash; Go's own when it could not load).
			hasher, err = chromedp.Run(ctx, chromedp.Evaluate[string](
				`!globalThis.ponteHash ? "Go" : ponteHash.worker ? "wasm worker" : "wasm in page"`))
			return err
		}),
	)
	if err == nil {
		err = waitDownload(out, 30*time.Minute)
	}
	elapsed := time.Since(start)
	close(done)
	if err != nil {
		return result{err: err}
	}
	return result{ms: float64(elapsed.Milliseconds()), peakMB: float64(peak-base) / (1 << 20),
		extra: fmt.Sprintf("(JS heap %.0f MB, SHA-256: %s)", heap/(1<<20), hasher)}
}

func waitDownload(path string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			if _, err := os.Stat(path + ".crdownload"); err != nil {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("download did not complete")
}

// treeRSS is the resident size in bytes of pid and all its descendants (Linux /proc).
func treeRSS(pid int) int64 {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	rss := map[int]int64{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 22 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pages, _ := strconv.ParseInt(f[21], 10, 64)
		children[ppid] = append(children[ppid], p)
		rss[p] = pages * int64(os.Getpagesize())
	}
	var total int64
	var walk func(int)
	seen := map[int]bool{}
	walk = func(p int) {
		if seen[p] {
			return
		}
		seen[p] = true
		total += rss[p]
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return total
}
