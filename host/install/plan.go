package install

import (
	"path"
	"strings"

	"github.com/ponte-it/ponte/manifest"
)

// Browser is a browser ponte-host registers with.
type Browser string

// The browsers of issue 8. Vivaldi and Opera read Chrome's locations and are covered by them.
const (
	Chrome   Browser = "Google Chrome"
	Chromium Browser = "Chromium"
	Edge     Browser = "Microsoft Edge"
	Brave    Browser = "Brave"
	Firefox  Browser = "Firefox"
)

// Flavour is the manifest dialect the browser reads.
func (b Browser) Flavour() manifest.Flavour {
	if b == Firefox {
		return manifest.Firefox
	}
	return manifest.Chromium
}

// Env is what the locations depend on. Plan is a pure function of it, so the tables of every OS are tested
// on any OS.
type Env struct {
	GOOS         string // "linux", "darwin" or "windows"
	Home         string // the user's home folder
	ConfigHome   string // Linux: $XDG_CONFIG_HOME; empty means Home/.config
	LocalAppData string // Windows: %LOCALAPPDATA% (per-user manifests)
	ProgramData  string // Windows: %ProgramData% (system-wide manifests)
}

// Sources of the tables: https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging
// ("Native messaging host location"), https://developer.mozilla.org/en-US/docs/Mozilla/Add-ons/WebExtensions/Native_manifests
// ("Manifest location"), https://learn.microsoft.com/microsoft-edge/extensions/developer-guide/native-messaging
// (Edge); each table file names what it took from where.

// Location is one place a manifest goes: a folder holding it.ponte.host.json and, on Windows, the registry
// keys whose default value is that file's path.
type Location struct {
	Browsers []Browser
	Flavour  manifest.Flavour
	Dir      string
	Keys     []RegistryKey
	// Requires: the location is used only when this path exists (a snap or flatpak browser's own folder,
	// /usr/lib64), so Ponte never creates a browser's data folder for a browser that is not there.
	Requires string
	// Wrapper, when set, is a launcher script written next to the manifest and named in its "path"
	// (flatpak: it runs ponte-host outside the sandbox with flatpak-spawn --host).
	Wrapper string
	// FlatpakApp is the flatpak application id of the browser, for the wrapper and the notice.
	FlatpakApp string
}

// ManifestPath is the full path of the manifest file at this location.
func (l Location) ManifestPath(goos string) string { return join(goos, l.Dir, manifest.FileName) }

// Plan lists every location for an OS, per user (system false) or for all users (system true), and the
// notices that apply when a location's Requires exists. Unknown OSes get no locations.
func Plan(env Env, system bool) ([]Location, []Notice) {
	switch env.GOOS {
	case "linux":
		return linuxLocations(env, system), linuxNotices(env, system)
	case "darwin":
		return darwinLocations(env, system), nil
	case "windows":
		return windowsLocations(env, system), nil
	}
	return nil, nil
}

// join builds a path of the target OS, whatever OS runs the code.
func join(goos string, elem ...string) string {
	if goos == "windows" {
		parts := make([]string, 0, len(elem))
		for i, e := range elem {
			if i > 0 {
				e = strings.TrimLeft(e, `\`)
			}
			if e = strings.TrimRight(e, `\`); e != "" {
				parts = append(parts, e)
			}
		}
		return strings.Join(parts, `\`)
	}
	return path.Join(elem...)
}

// isAbs reports whether p is absolute on the target OS (Chrome: "On Linux and macOS the path must be
// absolute"; on Windows Ponte always writes an absolute one too).
func isAbs(goos, p string) bool {
	if goos == "windows" {
		return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
			(p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') || strings.HasPrefix(p, `\\`)
	}
	return strings.HasPrefix(p, "/")
}

// channel is a pre-release channel of a Chromium-family browser, with its own user data folder.
type channel struct {
	b      Browser
	folder string // below the OS's browser data folder
}

// channelLocations: a channel's manifest folder is written only where that channel has run (its data
// folder exists), so Ponte never creates folders for browsers that are not there.
func channelLocations(goos, base string, chs []channel) []Location {
	locs := make([]Location, 0, len(chs))
	for _, ch := range chs {
		locs = append(locs, Location{Browsers: []Browser{ch.b}, Flavour: manifest.Chromium,
			Dir: join(goos, base, ch.folder, "NativeMessagingHosts"), Requires: join(goos, base, ch.folder)})
	}
	return locs
}
