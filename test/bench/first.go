package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// The first screen: how long app.html takes, from the navigation's start, to show the host's version
// (#host-version filled: the module loaded, the host started and answered hello), beside the floor, a
// plain-JS page of the same extension that opens the same native port, sends the same hello and writes
// the version (floor.html, written into the bench's copy of the extension only). Cold is the first page
// of a freshly started Chromium with a new profile (nothing compiled or cached); warm is the same page
// loaded again in a browser that has shown it once. Medians of runs.

// floorHTML and floorJS are the floor page: no module, no catalogue, just hello.
const floorHTML = `<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head>
<body><dl><dt>host</dt><dd id="host-version"></dd></dl><script src="floor.js"></script></body></html>`

const floorJS = `"use strict";
const port = chrome.runtime.connectNative("it.ponte.host");
port.onMessage.addListener((m) => {
  if (m.id === "1" && m.result) document.getElementById("host-version").textContent = m.result.version;
});
port.postMessage({ id: "1", command: "hello", params: { protocol: 1, client: "ponte-floor" } });
`

// firstProbe records, before any of the page's scripts, when #host-version first holds text, and when the
// module has drawn the connected page (#host-status[data-conn="connected"]; boot.js's says "hello").
const firstProbe = `(() => {
  const seen = () => { const el = document.getElementById("host-version"); return el && el.textContent.trim() !== ""; };
  new MutationObserver((_, o) => {
    if (!globalThis.__ponteFirst && seen()) globalThis.__ponteFirst = performance.now();
    if (document.querySelector('#host-status[data-conn="connected"]')) { globalThis.__ponteModule = performance.now(); o.disconnect(); }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`

// moduleSizes prints every WebAssembly module of the built extension, raw and gzip -9.
func moduleSizes(build string) error {
	files, err := filepath.Glob(filepath.Join(build, "extension", "*.wasm"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no module in %s/extension (make build): %v", build, err)
	}
	fmt.Println("modules of the extension:")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		fmt.Printf("  %-12s %6.2f MB raw  %5.2f MB gzip\n", filepath.Base(f), float64(len(b))/1e6, float64(z.Len())/1e6)
	}
	return nil
}

// firstScreens measures app.html (and the popup) beside the floor and prints the medians.
func firstScreens(build, work string, runs int) error {
	bed, err := testbed.Start(testbed.Options{Dir: filepath.Join(work, "first-bed"), NoPCSC: true})
	if err != nil {
		return err
	}
	defer bed.Close()
	ext := filepath.Join(work, "first-extension")
	if err := os.CopyFS(ext, os.DirFS(filepath.Join(build, "extension"))); err != nil {
		return fmt.Errorf("the extension (make build): %w", err)
	}
	if err := os.CopyFS(filepath.Join(ext, "profiles"), os.DirFS(bed.ProfilesDir)); err != nil {
		return err
	}
	for name, text := range map[string]string{"floor.html": floorHTML, "floor.js": floorJS} {
		if err := os.WriteFile(filepath.Join(ext, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	host, _ := filepath.Abs(filepath.Join(build, "ponte-host"))
	start := func(profile string) (context.Context, context.CancelFunc, error) {
		return browser.Start(context.Background(), browser.Options{Extension: ext, Host: host,
			Profile: filepath.Join(work, profile), Headless: true, Env: bed.Env, Flags: []string{"--lang=it-IT"}})
	}
	pages := []string{"app.html", "popup.html", "floor.html"}
	cold, warm := map[string][]times{}, map[string][]times{}
	for i := range runs {
		for _, p := range pages {
			fmt.Printf("first screen, cold, %s (run %d)…\n", p, i+1)
			ctx, stop, err := start(fmt.Sprintf("first-profile-%s-%d", p, i))
			if err != nil {
				return err
			}
			t, err := firstScreen(ctx, p)
			stop()
			if err != nil {
				return fmt.Errorf("%s cold: %w", p, err)
			}
			cold[p] = append(cold[p], t)
		}
	}
	ctx, stop, err := start("first-profile-warm")
	if err != nil {
		return err
	}
	defer stop()
	for _, p := range pages {
		if _, err := firstScreen(ctx, p); err != nil { // the load that warms
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	// Pages in turn in each run, as for cold: the shared machine's load changes over minutes.
	for i := range runs {
		for _, p := range pages {
			fmt.Printf("first screen, warm, %s (run %d)…\n", p, i+1)
			t, err := firstScreen(ctx, p)
			if err != nil {
				return fmt.Errorf("%s warm: %w", p, err)
			}
			warm[p] = append(warm[p], t)
		}
	}
	fmt.Printf("\nfirst screen: ms from navigation to the host's version shown, and to the module's own drawing\n")
	fmt.Printf("(median of %d; %d cores, shared, load at the end %s):\n", runs, runtime.NumCPU(), loadAverage())
	fc, fw := medianOf(cold["floor.html"], times.firstMS), medianOf(warm["floor.html"], times.firstMS)
	for _, p := range pages {
		c, w := medianOf(cold[p], times.firstMS), medianOf(warm[p], times.firstMS)
		fmt.Printf("  %-11s cold %6.0f ms (×%.2f floor)   warm %6.0f ms (×%.2f floor)", p, c, c/fc, w, w/fw)
		if p != "floor.html" {
			fmt.Printf("   module drawn: cold %6.0f ms, warm %6.0f ms",
				medianOf(cold[p], times.moduleMS), medianOf(warm[p], times.moduleMS))
		}
		fmt.Println()
	}
	fmt.Println("floor.html is plain JS: the same native port and hello, no module.")
	return nil
}

// times are one load's: the host's version shown, the module's drawing (0 for the floor).
type times struct{ first, module float64 }

func (t times) firstMS() float64  { return t.first }
func (t times) moduleMS() float64 { return t.module }

// firstScreen loads page in ctx's tab and returns the page's own times (performance.now()).
func firstScreen(ctx context.Context, p string) (times, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	probe, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: firstProbe})
	if err != nil {
		return times{}, err
	}
	defer chromedp.Call(ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: probe.Identifier})
	// The previous page's work (app.html compiles ponte.wasm when idle) is left a second to end.
	time.Sleep(time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(browser.ExtensionURL(p))); err != nil {
		return times{}, err
	}
	done := `globalThis.__ponteModule`
	if p == "floor.html" {
		done = `globalThis.__ponteFirst`
	}
	var t struct{ First, Module float64 }
	t, err = chromedp.Run(ctx, chromedp.Poll[struct{ First, Module float64 }](
		`(`+done+`) && {First: globalThis.__ponteFirst, Module: globalThis.__ponteModule || 0}`, chromedp.WithPollingTimeout(50*time.Second)))
	return times{t.First, t.Module}, err
}

func medianOf(v []times, f func(times) float64) float64 {
	s := make([]float64, len(v))
	for i, t := range v {
		s[i] = f(t)
	}
	return median(s)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// loadAverage is /proc/loadavg's first three fields, so a slow number can be read against the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return "?"
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}
