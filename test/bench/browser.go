package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
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
	var page struct {
		Heap   float64
		Hasher string
		At     map[string]float64 // ms from the script's start when each screen appeared, and the hash resolved
		MS     float64            // from the script's start to the "done" screen
	}
	start := time.Now()
	err := b.do(30*time.Minute,
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{in}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(signScript, testbed.PIN), chromedp.EvalAwaitPromise))
			if err == nil {
				err = json.Unmarshal([]byte(v), &page)
			}
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
	fmt.Printf("  page timeline (ms): %v\n", page.At)
	return result{ms: float64(elapsed.Milliseconds()), peakMB: float64(peak-base) / (1 << 20),
		extra: fmt.Sprintf("(done %.2f s + download; JS heap %.0f MB; SHA-256: %s)", page.MS/1000, page.Heap/(1<<20), page.Hasher)}
}

// signScript is the user's part once the file is chosen, done in the page: no time stamp (B-B like the
// other signers), Avanti, the PIN, Firma, the context-specific PIN, Conferma, then the signed file is
// downloaded by the page. Driving it from inside the page keeps the DevTools protocol's round trips per
// click and per key (tens of milliseconds each on a busy machine) out of the signing time. It answers
// the time until the page says done, the page's JavaScript heap and which SHA-256 hashed the file
// (extension/hash, or Go's own when that could not load).
const signScript = `(async () => {
	const t0 = performance.now();
	const at = {};
	const mark = (k) => { at[k] = Math.round(performance.now() - t0); };
	if (globalThis.ponteHash) {
		const hr = ponteHash.hashRanges;
		ponteHash.hashRanges = (...args) => { const r = hr(...args); r.then(() => mark("hashed")); return r; };
	}
	const until = (sel) => new Promise((resolve, reject) => {
		const end = Date.now() + 30 * 60 * 1000;
		const look = () => {
			const el = document.querySelector(sel);
			if (el) resolve(el);
			else if (document.querySelector("#sign-error, [data-screen=error]")) reject(new Error(document.getElementById("app").innerText));
			else if (Date.now() > end) reject(new Error("timeout waiting for " + sel));
			else setTimeout(look, 2);
		};
		look();
	});
	(await until("#sign-tsa")).click();
	(await until("#sign-next").then((e) => (mark("sign-next"), e))).click();
	(await until("#sign-pin").then((e) => (mark("sign-pin"), e))).value = %[1]q;
	(await until("#sign-confirm").then((e) => (mark("sign-confirm"), e))).click();
	(await until("#sign-pin2").then((e) => (mark("sign-pin2"), e))).value = %[1]q;
	(await until("#sign-confirm2").then((e) => (mark("sign-confirm2"), e))).click();
	await until("#sign-done");
	mark("done");
	return JSON.stringify({
		At: at,
		MS: performance.now() - t0,
		Heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
		Hasher: !globalThis.ponteHash ? "Go" : ponteHash.worker ? "wasm worker" : "wasm in page",
	});
})()`

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
