package ui

import (
	htmlpkg "html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
)

// The reasons are the texts Debian's chromium and firefox-esr gave the page (test/e2e host problem tests),
// with the prefix protocol.Client adds.
func TestIssueOfAFailedConnection(t *testing.T) {
	const closed = "connection to ponte-host closed: "
	cases := []struct {
		code   protocol.Code
		detail string
		want   HostIssue
	}{
		{"", closed + "Specified native messaging host not found.", IssueNotInstalled},
		{"", closed + "Native messaging host it.ponte.host is not registered", IssueNotInstalled},
		{"", closed + "No such native application it.ponte.host", IssueNotInstalled},
		{"", closed + "Access to the specified native messaging host is forbidden.", IssueForbidden},
		{"", closed + "Native host has exited.", IssueExited},
		{"", closed + "Failed to start native messaging host.", IssueExited},
		{"", closed + "Error when communicating with the native messaging host.", IssueExited},
		{"", closed + "An unexpected error occurred", IssueExited},
		{"", closed + "Native application tried to send a message of 2054847098 bytes, which exceeds the limit of 1048576 bytes.", IssueExited},
		{"", closed + "native host disconnected", IssueExited},
		{"", "hello: context deadline exceeded", IssueExited},
		{protocol.ErrVersionMismatch, "VERSION_MISMATCH: client speaks protocol 2, host 1", IssueHostTooOld},
		{protocol.ErrVersionMismatch, "VERSION_MISMATCH: client speaks protocol 1, host 2", IssueExtensionTooOld},
		{protocol.ErrVersionMismatch, "VERSION_MISMATCH: something else", IssueHostTooOld},
		{protocol.ErrBadRequest, "BAD_REQUEST: x", IssueOther},
		{"", "websocket closed: ", IssueOther},
		{"", "manca il codice di accesso", IssueOther},
	}
	for _, c := range cases {
		s := State{Conn: Failed, Problem: &Problem{Code: c.code, Detail: c.detail}}
		if got := s.Issue(); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.code, c.detail, got, c.want)
		}
	}
	if got := (State{Conn: Failed}).Issue(); got != IssueOther {
		t.Errorf("failed without a problem: %q", got)
	}
	if got := (State{Conn: Connecting}).Issue(); got != IssueNone {
		t.Errorf("connecting: %q", got)
	}
}

func TestIssueOfAWorkingConnection(t *testing.T) {
	cases := []struct {
		host, ext string
		proto     int
		want      HostIssue
	}{
		{"0.1.0-147-gb2a966d", "0.1.0-147-gb2a966d", 1, IssueNone},
		{"0.1.0-140-g1111111", "0.1.0-147-gb2a966d-dirty", 1, IssueHostTooOld},
		{"0.1.0-150-g1111111", "0.1.0-147-gb2a966d", 1, IssueNone},
		{"0.1.0-900-g1111111", "0.2.0-3-gb2a966d", 1, IssueHostTooOld},
		{"dev", "0.2.0-3-gb2a966d", 1, IssueNone},        // a build without git: nothing to compare
		{"0.1.0-1-gaaaaaaa", "dev", 1, IssueNone},        // the same the other way
		{"0.9.0-1-gaaaaaaa", "0.1.0-1-g1", 0, IssueNone}, // an older host that did not report its protocol
	}
	for _, c := range cases {
		s := State{Conn: Connected, Extension: c.ext, Host: protocol.HelloResult{Version: c.host, Protocol: c.proto}}
		if got := s.Issue(); got != c.want {
			t.Errorf("host %s (protocol %d), extension %s: %q, want %q", c.host, c.proto, c.ext, got, c.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		cmp  int
		ok   bool
	}{
		{"0.1.0-147-gb2a966d", "0.1.0-147-gb2a966d-dirty", 0, true},
		{"0.1.0-9-gabc", "0.1.0-10-gabc", -1, true},
		{"0.10.0-1-gabc", "0.9.0-99-gabc", 1, true},
		{"v1.0.0", "1.0.0-1-gabc", -1, true}, // a tag, then a commit after it
		{"1.2", "1.2.0", 0, true},
		{"1.0.0.0.1", "1.0.0", 0, false},
		{"dev", "1.0.0", 0, false},
		{"1.0.0-x-gabc", "1.0.0", 0, false},
		{"1.0.0-3-zabc", "1.0.0", 0, false},
		{"", "1.0.0", 0, false},
		{"1.-1.0", "1.0.0", 0, false},
	}
	for _, c := range cases {
		cmp, ok := CompareVersions(c.a, c.b)
		if cmp != c.cmp || ok != c.ok {
			t.Errorf("CompareVersions(%q, %q) = %d, %v; want %d, %v", c.a, c.b, cmp, ok, c.cmp, c.ok)
		}
		if back, _ := CompareVersions(c.b, c.a); back != -c.cmp {
			t.Errorf("CompareVersions(%q, %q) not antisymmetric", c.b, c.a)
		}
	}
}

func TestPlatformAndBrowser(t *testing.T) {
	for in, want := range map[string]string{
		"Linux x86_64": "linux", "Linux": "linux", "MacIntel": "mac", "macOS": "mac", "Win32": "windows",
		"Windows": "windows", "FreeBSD amd64": "linux", "": "other", "iPhone": "other",
	} {
		if got := PlatformOS(in); got != want {
			t.Errorf("PlatformOS(%q) = %q, want %q", in, got, want)
		}
	}
	if BrowserFamily("Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0") != "firefox" {
		t.Error("Firefox not recognised")
	}
	if BrowserFamily("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36") != "chromium" {
		t.Error("Chromium not recognised")
	}
	if IssueNotInstalled.Key() != "hostIssueNotInstalled" || IssueExtensionTooOld.Key() != "hostIssueExtensionTooOld" {
		t.Error("Key")
	}
}

// The app page names the issue and shows exactly the steps for the user's system, in both languages.
func TestHostIssueScreens(t *testing.T) {
	fixes := map[string][]string{ // data-fix values each OS must show
		"linux":   {"deb", "install", "snap", "flatpak"},
		"mac":     {"mac"},
		"windows": {"windows"},
		"other":   {"deb", "install", "mac", "windows"},
	}
	all := []string{"deb", "install", "mac", "windows", "snap", "flatpak", "check"}
	problems := map[HostIssue]*Problem{
		IssueNotInstalled:    {Detail: "Specified native messaging host not found."},
		IssueExited:          {Detail: "Native host has exited."},
		IssueForbidden:       {Detail: "Access to the specified native messaging host is forbidden."},
		IssueHostTooOld:      {Code: protocol.ErrVersionMismatch, Detail: "VERSION_MISMATCH: client speaks protocol 2, host 1"},
		IssueExtensionTooOld: {Code: protocol.ErrVersionMismatch, Detail: "VERSION_MISMATCH: client speaks protocol 1, host 2"},
	}
	for lang, cat := range catalogs(t) {
		for issue, p := range problems {
			for osName, want := range fixes {
				for _, browser := range []string{"firefox", "chromium"} {
					s := State{Mode: "app", Lang: lang, Extension: "0.1.0-2-gabc", Conn: Failed, Problem: p,
						Help: HostHelp{OS: osName, Browser: browser}}
					html, err := Render(s, cat)
					if err != nil {
						t.Fatal(err)
					}
					where := lang + " " + string(issue) + " " + osName + " " + browser
					if !strings.Contains(html, `data-issue="`+string(issue)+`"`) {
						t.Fatalf("%s: issue not marked:\n%s", where, html)
					}
					title, _ := cat.T(issue.Key() + "Title")
					if !strings.Contains(html, htmlpkg.EscapeString(title)) {
						t.Errorf("%s: title %q missing", where, title)
					}
					if !strings.Contains(html, htmlpkg.EscapeString(p.Detail)) {
						t.Errorf("%s: browser's reason missing", where)
					}
					shown := map[string]bool{}
					for _, f := range all {
						shown[f] = strings.Contains(html, `data-fix="`+f+`"`)
					}
					expect := map[string]bool{}
					if issue.Reinstall() {
						for _, f := range want {
							expect[f] = true
						}
						expect["check"] = issue == IssueExited
					}
					for _, f := range all {
						if shown[f] != expect[f] {
							t.Errorf("%s: fix %s shown=%v, want %v", where, f, shown[f], expect[f])
						}
					}
					flatpakFF := strings.Contains(html, "org.freedesktop.Flatpak org.mozilla.firefox")
					if expect["flatpak"] && flatpakFF != (browser == "firefox") {
						t.Errorf("%s: Flatpak id for the wrong browser", where)
					}
				}
			}
		}
	}
	// The popup names the issue and sends to the app page for the steps.
	cat := catalogs(t)["it"]
	html, err := Render(State{Mode: "popup", Lang: "it", Conn: Failed, Problem: problems[IssueNotInstalled], Help: HostHelp{OS: "linux"}}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `data-issue="not-installed"`) || strings.Contains(html, "data-fix=") {
		t.Errorf("popup:\n%s", html)
	}
	// A working but old host: the versions stay on screen, with the update step under them.
	html, err = Render(State{Mode: "app", Lang: "en", Conn: Connected, Extension: "0.1.0-9-gb",
		Host: protocol.HelloResult{Version: "0.1.0-3-ga", Protocol: protocol.Version, Transport: "native"}, Help: HostHelp{OS: "windows"}}, catalogs(t)["en"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `<dd id="host-version">0.1.0-3-ga</dd>`) || !strings.Contains(html, `data-issue="host-too-old"`) || !strings.Contains(html, `.\install.ps1`) {
		t.Errorf("old host:\n%s", html)
	}
	// The local app without its secret keeps the general message.
	html, _ = Render(State{Mode: "app", Lang: "en", Conn: Failed, Problem: &Problem{Detail: "websocket closed: "}}, catalogs(t)["en"])
	if strings.Contains(html, "host-issue") || !strings.Contains(html, "Ponte program unreachable") {
		t.Errorf("other failure:\n%s", html)
	}
}

// mismatch reads what the regexp it replaced read (hosthelp.go), the first well-formed pair included.
func FuzzMismatch(f *testing.F) {
	re := regexp.MustCompile(`client speaks protocol (\d+), host (\d+)`)
	for _, s := range []string{"VERSION_MISMATCH: client speaks protocol 2, host 1", "client speaks protocol , host 1 client speaks protocol 3, host 4",
		"client speaks protocol 1, host", "client speaks protocol 12, host 345x", "",
		"client speaks protocol 99999999999999999999999, host 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, h, ok := mismatch(s)
		m := re.FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Fatalf("mismatch(%q) ok=%v, the regexp matched %q", s, ok, m)
		}
		if m == nil {
			return
		}
		wc, _ := strconv.Atoi(m[1])
		wh, _ := strconv.Atoi(m[2])
		if c != wc || h != wh {
			t.Fatalf("mismatch(%q) = %d, %d; the regexp read %d, %d", s, c, h, wc, wh)
		}
	})
}
