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

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// hostProblem is one way a user's ponte-host registration goes wrong, and what the page must call it in
// each browser (ui.State.Issue). The browser re-reads the host manifest on every connectNative, so one
// browser walks through them all by rewriting the manifest between page loads.
type hostProblem struct {
	name            string
	host            string // the manifest's "path"; "" writes no manifest
	foreign         bool   // the manifest admits another extension
	chromium, gecko string // data-issue expected in Chromium and in Firefox
}

// hostProblems builds the programs the scenarios point at: a host that exits at once, one that is not
// executable, one that writes garbage instead of a frame, and a real ponte-host stamped with an old version.
func hostProblems(t *testing.T, build string) []hostProblem {
	t.Helper()
	dir := t.TempDir()
	script := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := filepath.Join(dir, "ponte-host-old")
	cmd := exec.Command("go", testenv.BuildArgs("-ldflags", "-X github.com/ponte-it/ponte/internal/buildinfo.Version=0.0.1-1-g0000000", "-o", old, "./host")...)
	cmd.Dir = testenv.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building an old ponte-host: %v\n%s", err, out)
	}
	real := filepath.Join(build, "ponte-host")
	return []hostProblem{
		{name: "no-manifest", chromium: "not-installed", gecko: "not-installed"},
		{name: "other-extension", host: real, foreign: true, chromium: "forbidden", gecko: "not-installed"},
		{name: "exits", host: script("exits", "exit 1", 0o755), chromium: "exited", gecko: "exited"},
		{name: "not-executable", host: script("noexec", "exit 0", 0o644), chromium: "exited", gecko: "exited"},
		{name: "moved", host: filepath.Join(dir, "gone", "ponte-host"), chromium: "not-installed", gecko: "exited"},
		{name: "garbage", host: script("garbage", "printf 'not a frame at all'; sleep 1", 0o755), chromium: "exited", gecko: "exited"},
		{name: "old-host", host: old, chromium: "host-too-old", gecko: "host-too-old"},
	}
}

func writeHostManifest(t *testing.T, path string, p hostProblem, firefox bool) {
	t.Helper()
	if p.host == "" {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	m := map[string]any{"name": ids.HostName, "description": "Ponte (test)", "path": p.host, "type": "stdio"}
	switch {
	case firefox && p.foreign:
		m["allowed_extensions"] = []string{"someone-else@example.org"}
	case firefox:
		m["allowed_extensions"] = []string{ids.FirefoxAddonID}
	case p.foreign:
		m["allowed_origins"] = []string{"chrome-extension://" + strings.Repeat("a", 32) + "/"}
	default:
		m["allowed_origins"] = []string{ids.ChromeOrigin()}
	}
	b, _ := json.Marshal(m)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Chromium: each broken registration gets its own diagnosis and the install step for Linux.
func TestChromiumHostProblems(t *testing.T) {
	build := built(t)
	problems := hostProblems(t, build)
	profile := t.TempDir()
	ctx, cancel, err := browser.Start(context.Background(), browser.Options{
		Chromium: testenv.Tool(t, "chromium"), Extension: filepath.Join(build, "extension"), Profile: profile, Headless: true,
		Flags: []string{"--lang=it-IT", "--accept-lang=it-IT,it"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	manifest := filepath.Join(profile, "NativeMessagingHosts", ids.HostName+".json")
	for _, p := range problems {
		writeHostManifest(t, manifest, p, false)
		within(t, ctx, 60*time.Second,
			chromedp.Navigate(browser.ExtensionURL("app.html")),
			chromedp.WaitVisible(chromedp.CSS("#host-issue")),
		)
		issue := attr(t, ctx, "#host-issue", "data-issue")
		if issue != p.chromium {
			t.Errorf("%s: page says %q, want %q (detail %q)", p.name, issue, p.chromium, text(t, ctx, "#host-status"))
		}
		checkIssueText(t, p.name, text(t, ctx, "#host-issue"), issue)
		shot(t, ctx, "chromium-host-"+p.name)
	}
}

// Firefox: the same registrations, as Firefox reports them.
func TestFirefoxHostProblems(t *testing.T) {
	build := built(t)
	problems := hostProblems(t, build)
	home := t.TempDir()
	b := startFirefox(t, build, home)
	manifest := filepath.Join(home, ".mozilla", "native-messaging-hosts", ids.HostName+".json")
	for _, p := range problems {
		writeHostManifest(t, manifest, p, true)
		ffWait(t, b, "app.html", "#host-issue")
		issue := ffAttr(t, b, "#host-issue", "issue")
		if issue != p.gecko {
			t.Errorf("%s: page says %q, want %q (%q)", p.name, issue, p.gecko, ffText(t, b, "#host-status"))
		}
		checkIssueText(t, p.name, ffText(t, b, "#host-issue"), issue)
		ffShot(t, b, "firefox-host-"+p.name)
	}
}

// checkIssueText: the Italian page names the issue in words and gives the Linux step that fixes it.
func checkIssueText(t *testing.T, name, shown, issue string) {
	t.Helper()
	if strings.Contains(shown, "hostIssue") || strings.Contains(shown, "hostFix") {
		t.Errorf("%s: message key instead of text: %q", name, shown)
	}
	title := map[string]string{
		"not-installed": "Il programma Ponte non è installato",
		"exited":        "Il programma Ponte non si avvia",
		"forbidden":     "Il programma Ponte non accetta questa estensione",
		"host-too-old":  "Il programma Ponte va aggiornato",
	}[issue]
	if title == "" || !strings.Contains(shown, title) {
		t.Errorf("%s: title for %q missing in %q", name, issue, shown)
	}
	for _, cmd := range []string{"sudo apt install ./ponte_*.deb", "ponte-host install", "flatpak override --user"} {
		if !strings.Contains(shown, cmd) {
			t.Errorf("%s: step %q missing in %q", name, cmd, shown)
		}
	}
	if (issue == "exited") != strings.Contains(shown, "ponte-host diagnose") {
		t.Errorf("%s: the terminal check belongs to 'exited' only: %q", name, shown)
	}
}
