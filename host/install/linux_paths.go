package install

import "github.com/ponte-it/ponte/manifest"

// Linux locations.
//
// Per user: Chrome for Developers, "Native messaging", "Native messaging host location" (Linux:
// ~/.config/google-chrome/NativeMessagingHosts/, ~/.config/chromium/NativeMessagingHosts/); Chromium keeps them
// in DIR_USER_DATA/NativeMessagingHosts, i.e. under $XDG_CONFIG_HOME when set (chrome_paths_linux.cc). Edge:
// Microsoft Edge docs, "Native messaging" (~/.config/microsoft-edge/NativeMessagingHosts). Brave: its user data
// folder ~/.config/BraveSoftware/Brave-Browser. Firefox: MDN "Native manifests", "Manifest location", Linux
// (~/.mozilla/native-messaging-hosts/).
//
// System-wide: /etc/opt/chrome/native-messaging-hosts (Chrome; Brave and, as a fallback, Edge read it too,
// Brave reads no folder of its own), /etc/chromium/native-messaging-hosts (Chromium),
// /etc/opt/edge/native-messaging-hosts (Edge), /usr/lib/mozilla/native-messaging-hosts and
// /usr/lib64/mozilla/native-messaging-hosts (Firefox, MDN).
//
// Snap: Chromium snap reads ~/snap/chromium/common/chromium/NativeMessagingHosts and Firefox snap's profile
// lives in ~/snap/firefox/common/.mozilla; confined snaps start hosts only through the XDG WebExtensions
// portal, which reads the ordinary locations above (see linuxNotices). Flatpak: flatpak.go.
func linuxLocations(env Env, system bool) []Location {
	c := manifest.Chromium
	if system {
		return []Location{
			{Browsers: []Browser{Chrome, Brave, Edge}, Flavour: c, Dir: "/etc/opt/chrome/native-messaging-hosts"},
			{Browsers: []Browser{Chromium}, Flavour: c, Dir: "/etc/chromium/native-messaging-hosts"},
			{Browsers: []Browser{Edge}, Flavour: c, Dir: "/etc/opt/edge/native-messaging-hosts"},
			{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: "/usr/lib/mozilla/native-messaging-hosts"},
			{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: "/usr/lib64/mozilla/native-messaging-hosts", Requires: "/usr/lib64"},
		}
	}
	cfg := env.ConfigHome
	if cfg == "" {
		cfg = join("linux", env.Home, ".config")
	}
	locs := []Location{
		{Browsers: []Browser{Chrome}, Flavour: c, Dir: join("linux", cfg, "google-chrome/NativeMessagingHosts")},
		{Browsers: []Browser{Chromium}, Flavour: c, Dir: join("linux", cfg, "chromium/NativeMessagingHosts")},
		{Browsers: []Browser{Edge}, Flavour: c, Dir: join("linux", cfg, "microsoft-edge/NativeMessagingHosts")},
		{Browsers: []Browser{Brave}, Flavour: c, Dir: join("linux", cfg, "BraveSoftware/Brave-Browser/NativeMessagingHosts")},
		{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: join("linux", env.Home, ".mozilla/native-messaging-hosts")},
	}
	locs = append(locs, channelLocations("linux", cfg, []channel{
		{Chrome + " Beta", "google-chrome-beta"},
		{Chrome + " Dev", "google-chrome-unstable"},
		{Edge + " Beta", "microsoft-edge-beta"},
		{Edge + " Dev", "microsoft-edge-dev"},
		{Brave + " Beta", "BraveSoftware/Brave-Browser-Beta"},
		{Brave + " Nightly", "BraveSoftware/Brave-Browser-Nightly"},
	})...)
	locs = append(locs, []Location{
		{Browsers: []Browser{Chromium + " (snap)"}, Flavour: c, Dir: join("linux", env.Home, "snap/chromium/common/chromium/NativeMessagingHosts"), Requires: join("linux", env.Home, "snap/chromium")},
		{Browsers: []Browser{Firefox + " (snap)"}, Flavour: manifest.Firefox, Dir: join("linux", env.Home, "snap/firefox/common/.mozilla/native-messaging-hosts"), Requires: join("linux", env.Home, "snap/firefox")},
	}...)
	return append(locs, flatpakLocations(env)...)
}

// linuxNotices: what a confined browser needs beyond the manifest. Firefox snap starts native hosts through
// the XDG WebExtensions portal (Firefox bug 1661935; Ubuntu's xdg-desktop-portal since 22.04, upstream
// org.freedesktop.portal.WebExtensions), which reads the ordinary host locations and asks the user once.
func linuxNotices(env Env, system bool) []Notice {
	snapRoot := join("linux", env.Home, "snap")
	if system {
		snapRoot = "/snap"
	}
	notices := []Notice{
		{Requires: join("linux", snapRoot, "firefox"), IT: noticeFirefoxSnapIT, EN: noticeFirefoxSnapEN},
		{Requires: join("linux", snapRoot, "chromium"), IT: noticeChromiumSnapIT, EN: noticeChromiumSnapEN},
	}
	if !system {
		notices = append(notices, flatpakNotices(env)...)
	}
	return notices
}
