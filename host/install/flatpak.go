package install

import (
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/manifest"
)

// Flatpak browsers see only their own ~/.var/app/<id> folder: XDG_CONFIG_HOME is ~/.var/app/<id>/config and
// Firefox's ~/.mozilla is ~/.var/app/<id>/.mozilla. A host started inside the sandbox would not see pcscd nor
// the system's PKCS#11 modules, so the manifest names a small launcher that runs the real ponte-host on the
// host with `flatpak-spawn --host` (flatpak-spawn(1)). That needs the browser to talk to
// org.freedesktop.Flatpak, a permission only the user grants (`flatpak override`), because it lets the browser
// run commands outside its sandbox; Ponte writes the files and tells the user the one command to run.
type flatpakBrowser struct {
	app     string // flatpak application id (Flathub)
	browser Browser
	flavour manifest.Flavour
	dir     string // manifest folder inside ~/.var/app/<id>
}

var flatpakBrowsers = []flatpakBrowser{
	{"com.google.Chrome", Chrome, manifest.Chromium, "config/google-chrome/NativeMessagingHosts"},
	{"org.chromium.Chromium", Chromium, manifest.Chromium, "config/chromium/NativeMessagingHosts"},
	{"com.microsoft.Edge", Edge, manifest.Chromium, "config/microsoft-edge/NativeMessagingHosts"},
	{"com.brave.Browser", Brave, manifest.Chromium, "config/BraveSoftware/Brave-Browser/NativeMessagingHosts"},
	{"org.mozilla.firefox", Firefox, manifest.Firefox, ".mozilla/native-messaging-hosts"},
}

func flatpakLocations(env Env) []Location {
	var locs []Location
	for _, f := range flatpakBrowsers {
		appDir := join("linux", env.Home, ".var/app", f.app)
		locs = append(locs, Location{
			Browsers:   []Browser{f.browser + " (flatpak)"},
			Flavour:    f.flavour,
			Dir:        join("linux", appDir, f.dir),
			Requires:   appDir,
			Wrapper:    join("linux", appDir, "data/ponte/ponte-host"),
			FlatpakApp: f.app,
		})
	}
	return locs
}

func flatpakNotices(env Env) []Notice {
	var ns []Notice
	for _, f := range flatpakBrowsers {
		cmd := "flatpak override --user --talk-name=org.freedesktop.Flatpak " + f.app
		ns = append(ns, Notice{
			Requires: join("linux", env.Home, ".var/app", f.app),
			IT: fmt.Sprintf("%s è installato come Flatpak (%s) ed è isolato: non può avviare ponte-host da solo. "+
				"Ho scritto il manifest e un lanciatore che usa flatpak-spawn --host. Per permetterlo esegui una volta:\n    %s\n"+
				"e riavvia il browser. Questo permesso consente al browser di eseguire programmi fuori dal suo isolamento; "+
				"se preferisci non darlo, usa il browser installato dai pacchetti della distribuzione oppure l'app locale: ponte-host serve.",
				f.browser, f.app, cmd),
			EN: fmt.Sprintf("%s is installed as a Flatpak (%s) and is sandboxed: it cannot start ponte-host by itself. "+
				"The manifest and a launcher using flatpak-spawn --host are in place. To allow it, run once:\n    %s\n"+
				"and restart the browser. This permission lets the browser run programs outside its sandbox; "+
				"if you would rather not grant it, use the browser from your distribution's packages or the local app: ponte-host serve.",
				f.browser, f.app, cmd),
		})
	}
	return ns
}

// wrapperMarker is the second line of every launcher Ponte writes; uninstall removes only files carrying it.
const wrapperMarker = "# ponte-host flatpak launcher (written by ponte-host install; removed by ponte-host uninstall)"

// wrapperScript runs hostPath outside the flatpak sandbox with the browser's arguments and stdio.
// --watch-bus ends ponte-host when the browser's sandbox goes away.
func wrapperScript(hostPath string) []byte {
	quoted := "'" + strings.ReplaceAll(hostPath, "'", `'\''`) + "'"
	return []byte("#!/bin/sh\n" + wrapperMarker + "\nexec flatpak-spawn --host --watch-bus " + quoted + " \"$@\"\n")
}
