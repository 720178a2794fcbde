package ui

import (
	"strconv"
	"strings"

	"github.com/ponte-it/ponte/internal/protocol"
)

// HostHelp is what the page knows about the user's system, so that a missing or old ponte-host comes with
// the exact command for it (layoutview.go, hostFix). The WASM module fills it from navigator.
type HostHelp struct {
	OS      string // "linux", "mac", "windows" or "other": PlatformOS
	Browser string // "firefox" or "chromium" (Chrome, Edge, Brave, Chromium): BrowserFamily
}

// PlatformOS maps navigator.userAgentData.platform or navigator.platform ("Linux x86_64", "MacIntel",
// "Win32", "macOS", "Windows", "Linux") to the OS whose install step the page shows.
func PlatformOS(platform string) string {
	p := strings.ToLower(platform)
	switch {
	case strings.HasPrefix(p, "win"):
		return "windows"
	case strings.HasPrefix(p, "mac"):
		return "mac"
	case strings.Contains(p, "linux"), strings.Contains(p, "bsd"):
		return "linux"
	}
	return "other"
}

// BrowserFamily tells Firefox from the Chromium family by the user agent (Firefox's says "Firefox/"; so do
// forks such as LibreWolf, which read the same native manifests).
func BrowserFamily(userAgent string) string {
	if strings.Contains(userAgent, "Firefox/") {
		return "firefox"
	}
	return "chromium"
}

// HostIssue is why the page cannot work with ponte-host, in the terms of what the user must do.
type HostIssue string

const (
	IssueNone            HostIssue = ""
	IssueNotInstalled    HostIssue = "not-installed"     // the browser finds no manifest (or, in Firefox, none that admits Ponte)
	IssueExited          HostIssue = "exited"            // the browser found it but it would not start, crashed or did not answer
	IssueForbidden       HostIssue = "forbidden"         // the manifest exists but does not list this extension
	IssueHostTooOld      HostIssue = "host-too-old"      // ponte-host is older than the extension
	IssueExtensionTooOld HostIssue = "extension-too-old" // ponte-host speaks a newer protocol than the extension
	IssueOther           HostIssue = "other"             // anything else (local app without its secret, ...)
	hostIssueKeyPrefix             = "hostIssue"
)

// Key is the catalogue key stem of the issue's messages: <Key>Title and <Key>Body.
func (i HostIssue) Key() string {
	var b strings.Builder
	b.WriteString(hostIssueKeyPrefix)
	for _, part := range strings.Split(string(i), "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// Reinstall says whether installing or updating ponte-host is the remedy.
func (i HostIssue) Reinstall() bool {
	switch i {
	case IssueNotInstalled, IssueExited, IssueForbidden, IssueHostTooOld:
		return true
	}
	return false
}

// browserReasons are the texts Chromium and Firefox give a port's disconnect, as the page receives them
// (Chromium: runtime.lastError.message, from extensions/common/api/messaging "native_message_port" errors;
// Firefox: port.error.message, from toolkit/components/extensions NativeMessaging). Observed in Debian's
// chromium and firefox-esr by test/e2e (TestChromiumHostProblems, TestFirefoxHostProblems).
var browserReasons = []struct {
	text  string // lower case, matched as a substring
	issue HostIssue
}{
	// Chromium: no manifest where it looks, or its "path" does not exist.
	{"specified native messaging host not found", IssueNotInstalled},
	// Chromium on Windows: no registry key.
	{"is not registered", IssueNotInstalled},
	// Firefox: no manifest, or one whose allowed_extensions lacks the add-on id (Firefox says no more).
	{"no such native application", IssueNotInstalled},
	// Chromium: the extension's origin is not in allowed_origins.
	{"access to the specified native messaging host is forbidden", IssueForbidden},
	// Chromium: started and exited (or could not be executed), or spoke no valid framing.
	{"native host has exited", IssueExited},
	{"failed to start native messaging host", IssueExited},
	{"error when communicating with the native messaging host", IssueExited},
	// Firefox: the path could not be executed (missing or not executable), an oversized or garbled frame.
	{"an unexpected error occurred", IssueExited},
	{"native application tried to send a message", IssueExited},
	// Firefox gives no reason when the host exits: wasm/transport.go then says this.
	{"native host disconnected", IssueExited},
	// The host was started but the hello got no answer in time.
	{"context deadline exceeded", IssueExited},
}

// mismatch reads the protocol versions out of ErrVersionMismatch's detail ("client speaks protocol N,
// host M", internal/protocol): written out, not as a regexp, so cards.wasm links no regexp engine.
func mismatch(detail string) (client, host int, ok bool) {
	const lead, mid = "client speaks protocol ", ", host "
	for rest := detail; ; {
		i := strings.Index(rest, lead)
		if i < 0 {
			return 0, 0, false
		}
		rest = rest[i+len(lead):]
		c, after, ok1 := leadingNumber(rest)
		if after, ok2 := strings.CutPrefix(after, mid); ok1 && ok2 {
			if h, _, ok3 := leadingNumber(after); ok3 {
				return c, h, true
			}
		}
	}
}

// leadingNumber is the decimal number s starts with (clamped to int, as strconv.Atoi does), and what
// follows it.
func leadingNumber(s string) (int, string, bool) {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	v, _ := strconv.Atoi(s[:n])
	return v, s[n:], n > 0
}

// Issue classifies what the page shows about ponte-host: a failed connection by its protocol error code or
// the browser's reason; a working one whose host is older than the extension (by the protocol the host
// answered, then by the git versions both were built from: see scripts/version.sh).
func (s State) Issue() HostIssue {
	switch s.Conn {
	case Connecting:
		return IssueNone
	case Connected:
		if s.Host.Protocol != 0 && s.Host.Protocol < protocol.Version {
			return IssueHostTooOld
		}
		if c, ok := CompareVersions(s.Host.Version, s.Extension); ok && c < 0 {
			return IssueHostTooOld
		}
		return IssueNone
	}
	if s.Problem == nil {
		return IssueOther
	}
	if s.Problem.Code == protocol.ErrVersionMismatch {
		if client, host, ok := mismatch(s.Problem.Detail); ok {
			if host > client {
				return IssueExtensionTooOld
			}
		}
		return IssueHostTooOld
	}
	if s.Problem.Code != "" {
		return IssueOther
	}
	d := strings.ToLower(s.Problem.Detail)
	for _, r := range browserReasons {
		if strings.Contains(d, r.text) {
			return r.issue
		}
	}
	return IssueOther
}

// CompareVersions orders two versions as scripts/version.sh writes them — BASE-COUNT-gHASH[-dirty], BASE
// being dotted numbers (an optional "v" in front) and COUNT the commits since — by BASE, then by COUNT.
// ok is false when either is not in that form (e.g. "dev", a build without git): nothing can be said.
func CompareVersions(a, b string) (cmp int, ok bool) {
	va, oka := parseVersion(a)
	vb, okb := parseVersion(b)
	if !oka || !okb {
		return 0, false
	}
	for i := 0; i < len(va) || i < len(vb); i++ {
		var x, y int
		if i < len(va) {
			x = va[i]
		}
		if i < len(vb) {
			y = vb[i]
		}
		if x != y {
			if x < y {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

// parseVersion gives BASE's numbers followed by COUNT (0 when absent: a tagged release).
func parseVersion(v string) ([]int, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "v"), "-dirty")
	base, rest, _ := strings.Cut(v, "-")
	var out []int
	for _, p := range strings.Split(base, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out = append(out, n)
	}
	if len(out) > 4 {
		return nil, false
	}
	for len(out) < 4 {
		out = append(out, 0)
	}
	count := 0
	if rest != "" {
		c, hash, _ := strings.Cut(rest, "-")
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || (hash != "" && !strings.HasPrefix(hash, "g")) {
			return nil, false
		}
		count = n
	}
	return append(out, count), true
}
