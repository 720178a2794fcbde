package install

import "github.com/ponte-it/ponte/manifest"

// Windows: the manifest may live in any folder; the browser finds it through a registry key named after the
// host whose default value is the manifest's full path (Chrome for Developers, "Native messaging host
// location", Windows: HKCU\Software\Google\Chrome\NativeMessagingHosts\<name> or HKLM\...; MDN "Native
// manifests", Windows: HKCU/HKLM\Software\Mozilla\NativeMessagingHosts\<name>; Microsoft Edge docs:
// Software\Microsoft\Edge\NativeMessagingHosts, falling back to Chromium's and Chrome's keys). Chromium-branded
// builds read Software\Chromium; Brave reads Software\BraveSoftware\Brave-Browser, then Chromium's and Chrome's.
//
// Ponte keeps its manifests in %LOCALAPPDATA%\Ponte\NativeMessagingHosts (per user, HKCU) or
// %ProgramData%\Ponte\NativeMessagingHosts (all users, HKLM).
func windowsLocations(env Env, system bool) []Location {
	hive, base := CurrentUser, env.LocalAppData
	if system {
		hive, base = LocalMachine, env.ProgramData
	}
	dir := join("windows", base, `Ponte\NativeMessagingHosts`)
	key := func(b Browser, vendor string) RegistryKey {
		return RegistryKey{Hive: hive, Path: `Software\` + vendor + `\NativeMessagingHosts\` + manifest.HostName, Browser: b}
	}
	return []Location{
		{Browsers: []Browser{Chrome, Chromium, Edge, Brave}, Flavour: manifest.Chromium, Dir: join("windows", dir, "chromium"), Keys: []RegistryKey{
			key(Chrome, `Google\Chrome`),
			key(Chromium, `Chromium`),
			key(Edge, `Microsoft\Edge`),
			key(Brave, `BraveSoftware\Brave-Browser`),
		}},
		{Browsers: []Browser{Firefox}, Flavour: manifest.Firefox, Dir: join("windows", dir, "firefox"), Keys: []RegistryKey{
			key(Firefox, `Mozilla`),
		}},
	}
}
