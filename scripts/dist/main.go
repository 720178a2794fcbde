// Command dist builds Ponte's release artefacts from a `make build` tree (scripts/dist.sh runs it):
//
//   - ponte_<version>_<arch>.deb: /usr/bin/ponte-host, the system-wide native messaging manifests for
//     Chrome, Chromium, Edge, Brave and Firefox (written by host/install, the same code as
//     `ponte-host install --system`), browser policies that offer the extension, the Firefox .xpi;
//   - ponte-extension-<version>-chrome.zip: the extension for the Chrome Web Store and Edge Add-ons;
//   - ponte-extension-<version>-firefox.xpi: the Firefox flavour (build/extension-firefox, or derived from
//     build/extension by webext.Firefox);
//   - ponte-host-<version>-darwin-<arch>.tar.gz and ponte-host-<version>-windows-amd64.zip with their install
//     scripts, when ./host cross-compiles for those systems (see cross.go);
//   - SHA256SUMS.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	build := flag.String("build", "build", "the `make build` output folder")
	version := flag.String("version", "", "version from git (git describe --tags --always --dirty)")
	out := flag.String("out", "dist", "output folder")
	firefoxID := flag.String("firefox-id", "ponte@ponte.it", "Firefox add-on id, when build/extension-firefox does not say")
	updateURL := flag.String("chrome-update-url", chromeWebStoreUpdateURL, "update URL for the Chromium-family policy (empty: no policy)")
	cross := flag.Bool("cross", true, "try to cross-compile the macOS and Windows host archives")
	flag.Parse()
	if *version == "" {
		fail(fmt.Errorf("-version is required"))
	}
	d := &dist{build: *build, version: *version, out: *out, firefoxID: *firefoxID, updateURL: *updateURL}
	if err := d.run(*cross); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dist:", err)
	os.Exit(1)
}

type dist struct {
	build, version, out  string
	firefoxID, updateURL string
	chromeID             string
	made                 []string // artefacts, relative to out
}

func (d *dist) run(cross bool) error {
	if err := os.MkdirAll(d.out, 0o755); err != nil {
		return err
	}
	id, err := extensionIDFromManifest(filepath.Join(d.build, "extension", "manifest.json"))
	if err != nil {
		return err
	}
	d.chromeID = id
	if ffID, ok := geckoID(filepath.Join(d.build, "extension-firefox", "manifest.json")); ok {
		d.firefoxID = ffID
	}
	steps := []func() error{d.chromeZip, d.firefoxXPI, d.deb}
	if cross {
		steps = append(steps, d.hostArchives)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return d.checksums()
}

// name is an artefact's file name: ponte-<kind>-<version>-<flavour>, e.g. ponte-extension-v1.0.0-chrome.zip.
func (d *dist) name(kind, flavour string) string {
	return fmt.Sprintf("ponte-%s-%s-%s", kind, fileVersion(d.version), flavour)
}

// fileVersion makes a version usable in a file name.
func fileVersion(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == '\\' {
			return '_'
		}
		return r
	}, v)
}

func (d *dist) checksums() error {
	sort.Strings(d.made)
	var b strings.Builder
	for _, name := range d.made {
		f, err := os.Open(filepath.Join(d.out, name))
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%x  %s\n", h.Sum(nil), name)
	}
	if err := os.WriteFile(filepath.Join(d.out, "SHA256SUMS"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("dist: %s\n", strings.Join(d.made, ", "))
	return nil
}
