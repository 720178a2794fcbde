package install

import "github.com/ponte-it/ponte/manifest"

// macOS locations: Chrome for Developers, "Native messaging host location" (macOS: system
// /Library/Google/Chrome/NativeMessagingHosts/, /Library/Application Support/Chromium/NativeMessagingHosts/;
// user ~/Library/Application Support/Google/Chrome/NativeMessagingHosts/, .../Chromium/NativeMessagingHosts/);
// Microsoft Edge docs (/Library/Microsoft/Edge/NativeMessagingHosts, ~/Library/Application Support/Microsoft
// Edge/NativeMessagingHosts); MDN "Native manifests" (/Library/Application Support/Mozilla/NativeMessagingHosts,
// ~/Library/Application Support/Mozilla/NativeMessagingHosts). Brave keeps its user data in
// BraveSoftware/Brave-Browser and has been seen reading Chrome's folders, so both carry it.
func darwinLocations(env Env, system bool) []Location {
	c := manifest.Chromium
	if system {
		return []Location{
			{Browsers: []Browser{Chrome, Brave}, Flavour: c, Dir: "/Library/Google/Chrome/NativeMessagingHosts"},
			{Browsers: []Browser{Chromium}, Flavour: c, Dir: "/Library/Application Support/Chromium/NativeMessagingHosts"},
			{Browsers: []Browser{Edge}, Flavour: c, Dir: "/Library/Microsoft/Edge/NativeMessagingHosts"},
			{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: "/Library/Application Support/Mozilla/NativeMessagingHosts"},
		}
	}
	as := join("darwin", env.Home, "Library/Application Support")
	locs := []Location{
		{Browsers: []Browser{Chrome, Brave}, Flavour: c, Dir: join("darwin", as, "Google/Chrome/NativeMessagingHosts")},
		{Browsers: []Browser{Chromium}, Flavour: c, Dir: join("darwin", as, "Chromium/NativeMessagingHosts")},
		{Browsers: []Browser{Edge}, Flavour: c, Dir: join("darwin", as, "Microsoft Edge/NativeMessagingHosts")},
		{Browsers: []Browser{Brave}, Flavour: c, Dir: join("darwin", as, "BraveSoftware/Brave-Browser/NativeMessagingHosts")},
		{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: join("darwin", as, "Mozilla/NativeMessagingHosts")},
	}
	return append(locs, channelLocations("darwin", as, []channel{
		{Chrome + " Beta", "Google/Chrome Beta"},
		{Chrome + " Dev", "Google/Chrome Dev"},
		{Chrome + " Canary", "Google/Chrome Canary"},
		{Edge + " Beta", "Microsoft Edge Beta"},
		{Edge + " Dev", "Microsoft Edge Dev"},
		{Brave + " Beta", "BraveSoftware/Brave-Browser-Beta"},
		{Brave + " Nightly", "BraveSoftware/Brave-Browser-Nightly"},
	})...)
}
