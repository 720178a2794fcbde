package install

import (
	"strings"
	"testing"

	"github.com/ponte-it/ponte/manifest"
)

// The expected folders are the ones the browser vendors document (see the comments of the tables); the
// test pins them so a change to a table is a deliberate one.
func TestPlanFolders(t *testing.T) {
	linux := Env{GOOS: "linux", Home: "/home/ada"}
	darwin := Env{GOOS: "darwin", Home: "/Users/ada"}
	windows := Env{GOOS: "windows", Home: `C:\Users\ada`, LocalAppData: `C:\Users\ada\AppData\Local`, ProgramData: `C:\ProgramData`}
	for _, tc := range []struct {
		name   string
		env    Env
		system bool
		want   map[string][]Browser // folder -> browsers
	}{
		{"linux user", linux, false, map[string][]Browser{
			"/home/ada/.config/google-chrome/NativeMessagingHosts":                                         {Chrome},
			"/home/ada/.config/chromium/NativeMessagingHosts":                                              {Chromium},
			"/home/ada/.config/microsoft-edge/NativeMessagingHosts":                                        {Edge},
			"/home/ada/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts":                           {Brave},
			"/home/ada/.mozilla/native-messaging-hosts":                                                    {Firefox},
			"/home/ada/snap/chromium/common/chromium/NativeMessagingHosts":                                 {Chromium + " (snap)"},
			"/home/ada/snap/firefox/common/.mozilla/native-messaging-hosts":                                {Firefox + " (snap)"},
			"/home/ada/.var/app/com.google.Chrome/config/google-chrome/NativeMessagingHosts":               {Chrome + " (flatpak)"},
			"/home/ada/.var/app/org.chromium.Chromium/config/chromium/NativeMessagingHosts":                {Chromium + " (flatpak)"},
			"/home/ada/.var/app/com.microsoft.Edge/config/microsoft-edge/NativeMessagingHosts":             {Edge + " (flatpak)"},
			"/home/ada/.var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser/NativeMessagingHosts": {Brave + " (flatpak)"},
			"/home/ada/.var/app/org.mozilla.firefox/.mozilla/native-messaging-hosts":                       {Firefox + " (flatpak)"},
			"/home/ada/.config/google-chrome-beta/NativeMessagingHosts":                                    {Chrome + " Beta"},
			"/home/ada/.config/google-chrome-unstable/NativeMessagingHosts":                                {Chrome + " Dev"},
			"/home/ada/.config/microsoft-edge-beta/NativeMessagingHosts":                                   {Edge + " Beta"},
			"/home/ada/.config/microsoft-edge-dev/NativeMessagingHosts":                                    {Edge + " Dev"},
			"/home/ada/.config/BraveSoftware/Brave-Browser-Beta/NativeMessagingHosts":                      {Brave + " Beta"},
			"/home/ada/.config/BraveSoftware/Brave-Browser-Nightly/NativeMessagingHosts":                   {Brave + " Nightly"},
		}},
		{"linux system", linux, true, map[string][]Browser{
			"/etc/opt/chrome/native-messaging-hosts":    {Chrome, Brave, Edge},
			"/etc/chromium/native-messaging-hosts":      {Chromium},
			"/etc/opt/edge/native-messaging-hosts":      {Edge},
			"/usr/lib/mozilla/native-messaging-hosts":   {Firefox},
			"/usr/lib64/mozilla/native-messaging-hosts": {Firefox},
		}},
		{"darwin user", darwin, false, map[string][]Browser{
			"/Users/ada/Library/Application Support/Google/Chrome/NativeMessagingHosts":                       {Chrome, Brave},
			"/Users/ada/Library/Application Support/Chromium/NativeMessagingHosts":                            {Chromium},
			"/Users/ada/Library/Application Support/Microsoft Edge/NativeMessagingHosts":                      {Edge},
			"/Users/ada/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts":         {Brave},
			"/Users/ada/Library/Application Support/Mozilla/NativeMessagingHosts":                             {Firefox},
			"/Users/ada/Library/Application Support/Google/Chrome Beta/NativeMessagingHosts":                  {Chrome + " Beta"},
			"/Users/ada/Library/Application Support/Google/Chrome Dev/NativeMessagingHosts":                   {Chrome + " Dev"},
			"/Users/ada/Library/Application Support/Google/Chrome Canary/NativeMessagingHosts":                {Chrome + " Canary"},
			"/Users/ada/Library/Application Support/Microsoft Edge Beta/NativeMessagingHosts":                 {Edge + " Beta"},
			"/Users/ada/Library/Application Support/Microsoft Edge Dev/NativeMessagingHosts":                  {Edge + " Dev"},
			"/Users/ada/Library/Application Support/BraveSoftware/Brave-Browser-Beta/NativeMessagingHosts":    {Brave + " Beta"},
			"/Users/ada/Library/Application Support/BraveSoftware/Brave-Browser-Nightly/NativeMessagingHosts": {Brave + " Nightly"},
		}},
		{"darwin system", darwin, true, map[string][]Browser{
			"/Library/Google/Chrome/NativeMessagingHosts":                {Chrome, Brave},
			"/Library/Application Support/Chromium/NativeMessagingHosts": {Chromium},
			"/Library/Microsoft/Edge/NativeMessagingHosts":               {Edge},
			"/Library/Application Support/Mozilla/NativeMessagingHosts":  {Firefox},
		}},
		{"windows user", windows, false, map[string][]Browser{
			`C:\Users\ada\AppData\Local\Ponte\NativeMessagingHosts\chromium`: {Chrome, Chromium, Edge, Brave},
			`C:\Users\ada\AppData\Local\Ponte\NativeMessagingHosts\firefox`:  {Firefox},
		}},
		{"windows system", windows, true, map[string][]Browser{
			`C:\ProgramData\Ponte\NativeMessagingHosts\chromium`: {Chrome, Chromium, Edge, Brave},
			`C:\ProgramData\Ponte\NativeMessagingHosts\firefox`:  {Firefox},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			locs, _ := Plan(tc.env, tc.system)
			got := map[string][]Browser{}
			for _, l := range locs {
				if _, dup := got[l.Dir]; dup {
					t.Errorf("folder %s listed twice", l.Dir)
				}
				got[l.Dir] = l.Browsers
				if !isAbs(tc.env.GOOS, l.Dir) {
					t.Errorf("%s is not absolute on %s", l.Dir, tc.env.GOOS)
				}
				for _, b := range l.Browsers {
					if b.Flavour() != l.Flavour && !strings.Contains(string(b), "(") {
						t.Errorf("%s: browser %s reads %s manifests, location has %s", l.Dir, b, b.Flavour(), l.Flavour)
					}
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d folders, want %d: %v", len(got), len(tc.want), got)
			}
			for dir, bs := range tc.want {
				if g, ok := got[dir]; !ok || strings.Join(browserNames(g), ",") != strings.Join(browserNames(bs), ",") {
					t.Errorf("%s: browsers %v, want %v (present %v)", dir, g, bs, ok)
				}
			}
		})
	}
}

func browserNames(bs []Browser) []string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return s
}

func TestPlanXDGConfigHome(t *testing.T) {
	locs, _ := Plan(Env{GOOS: "linux", Home: "/home/ada", ConfigHome: "/data/cfg"}, false)
	if locs[0].Dir != "/data/cfg/google-chrome/NativeMessagingHosts" {
		t.Fatalf("XDG_CONFIG_HOME ignored: %s", locs[0].Dir)
	}
}

func TestPlanWindowsKeys(t *testing.T) {
	for _, system := range []bool{false, true} {
		locs, _ := Plan(Env{GOOS: "windows", LocalAppData: `C:\L`, ProgramData: `C:\P`}, system)
		hive := map[bool]Hive{false: CurrentUser, true: LocalMachine}[system]
		want := map[string]manifest.Flavour{
			`Software\Google\Chrome\NativeMessagingHosts\it.ponte.host`:               manifest.Chromium,
			`Software\Chromium\NativeMessagingHosts\it.ponte.host`:                    manifest.Chromium,
			`Software\Microsoft\Edge\NativeMessagingHosts\it.ponte.host`:              manifest.Chromium,
			`Software\BraveSoftware\Brave-Browser\NativeMessagingHosts\it.ponte.host`: manifest.Chromium,
			`Software\Mozilla\NativeMessagingHosts\it.ponte.host`:                     manifest.Firefox,
		}
		n := 0
		for _, l := range locs {
			for _, k := range l.Keys {
				n++
				if f, ok := want[k.Path]; !ok || f != l.Flavour || k.Hive != hive {
					t.Errorf("system=%v: unexpected key %s (flavour %s)", system, k, l.Flavour)
				}
			}
		}
		if n != len(want) {
			t.Errorf("system=%v: %d keys, want %d", system, n, len(want))
		}
	}
}

func TestJoinAndIsAbs(t *testing.T) {
	if got := join("windows", `C:\a\`, `\b`, "c"); got != `C:\a\b\c` {
		t.Errorf("join windows: %s", got)
	}
	if got := join("linux", "/a/", "b/c"); got != "/a/b/c" {
		t.Errorf("join linux: %s", got)
	}
	for p, want := range map[string]bool{`C:\x`: true, `c:/x`: true, `\\srv\share\x`: true, `x\y`: false, `/x`: false, `C:x`: false} {
		if isAbs("windows", p) != want {
			t.Errorf("isAbs(windows, %q) != %v", p, want)
		}
	}
	if isAbs("linux", "rel/x") || !isAbs("darwin", "/x") {
		t.Error("isAbs unix")
	}
}
