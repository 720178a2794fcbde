package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ponte-it/ponte/internal/webext"
)

// chromeZip packs build/extension for the Chrome Web Store and Edge Add-ons. The store refuses a manifest
// with a "key" (it keeps the item's key itself), so the key is dropped; to keep the same ID, the first
// upload carries the private key as key.pem at the root of the zip (see docs/install.md).
func (d *dist) chromeZip() error {
	src := filepath.Join(d.build, "extension")
	files, err := webext.ReadTree(src)
	if err != nil {
		return err
	}
	mf, err := webext.EditManifest(files["manifest.json"], func(m map[string]any) error {
		delete(m, "key")
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s/manifest.json: %w", src, err)
	}
	files["manifest.json"] = mf
	return d.writeZip(d.name("extension", "chrome.zip"), files)
}

// firefoxXPI packs build/extension-firefox when the build made one; otherwise it derives the Firefox
// flavour from build/extension with webext.Firefox, the code `make build` uses.
func (d *dist) firefoxXPI() error {
	files, err := webext.ReadTree(filepath.Join(d.build, "extension-firefox"))
	if os.IsNotExist(err) {
		if files, err = webext.ReadTree(filepath.Join(d.build, "extension")); err != nil {
			return err
		}
		files, err = webext.Firefox(files, d.firefoxID)
	}
	if err != nil {
		return err
	}
	return d.writeZip(d.name("extension", "firefox.xpi"), files)
}

// zipBytes writes a zip with entries in name order and a fixed time, so the same tree gives the same bytes.
func zipBytes(files map[string][]byte, modes map[string]fs.FileMode) ([]byte, error) {
	names := sortedNames(files)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
		mode := fs.FileMode(0o644)
		if m, ok := modes[n]; ok {
			mode = m
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	err := zw.Close()
	return buf.Bytes(), err
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (d *dist) writeZip(name string, files map[string][]byte) error {
	data, err := zipBytes(files, nil)
	if err != nil {
		return err
	}
	return d.emit(name, data)
}

func (d *dist) emit(name string, data []byte) error {
	if err := os.WriteFile(filepath.Join(d.out, name), data, 0o644); err != nil {
		return err
	}
	d.made = append(d.made, name)
	return nil
}
