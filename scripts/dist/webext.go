package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// chromeZip packs build/extension for the Chrome Web Store and Edge Add-ons. The store refuses a manifest
// with a "key" (it keeps the item's key itself), so the key is dropped; to keep the same ID, the first
// upload carries the private key as key.pem at the root of the zip (see docs/install.md).
func (d *dist) chromeZip() error {
	src := filepath.Join(d.build, "extension")
	files, err := readTree(src)
	if err != nil {
		return err
	}
	mf, err := editManifest(files["manifest.json"], func(m map[string]any) error {
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
// flavour from build/extension with firefoxManifest.
func (d *dist) firefoxXPI() error {
	src := filepath.Join(d.build, "extension-firefox")
	files, err := readTree(src)
	if os.IsNotExist(err) {
		if files, err = readTree(filepath.Join(d.build, "extension")); err != nil {
			return err
		}
		mf, err := editManifest(files["manifest.json"], func(m map[string]any) error { return firefoxManifest(m, d.firefoxID) })
		if err != nil {
			return fmt.Errorf("Firefox manifest: %w", err)
		}
		files["manifest.json"] = mf
	} else if err != nil {
		return err
	}
	return d.writeZip(d.name("extension", "firefox.xpi"), files)
}

// firefoxManifest turns a Chrome MV3 manifest into Firefox's (MDN, "manifest.json" / "background" and
// "browser_specific_settings"): Firefox runs MV3 background pages as event scripts, not service workers;
// the add-on id goes into browser_specific_settings.gecko.id; "key" means nothing to Firefox and is removed.
// Firefox runs MV3 from version 109; 128 is the oldest ESR Ponte supports.
func firefoxManifest(m map[string]any, addonID string) error {
	delete(m, "key")
	delete(m, "minimum_chrome_version")
	if bg, ok := m["background"].(map[string]any); ok {
		if sw, ok := bg["service_worker"].(string); ok {
			nbg := map[string]any{"scripts": []any{sw}}
			if t, ok := bg["type"]; ok {
				nbg["type"] = t
			}
			m["background"] = nbg
		}
	}
	bss, _ := m["browser_specific_settings"].(map[string]any)
	if bss == nil {
		bss = map[string]any{}
	}
	gecko, _ := bss["gecko"].(map[string]any)
	if gecko == nil {
		gecko = map[string]any{}
	}
	gecko["id"] = addonID
	if _, ok := gecko["strict_min_version"]; !ok {
		gecko["strict_min_version"] = "128.0"
	}
	bss["gecko"] = gecko
	m["browser_specific_settings"] = bss
	if mv, _ := m["manifest_version"].(float64); mv != 3 {
		return fmt.Errorf("manifest_version %v, want 3", m["manifest_version"])
	}
	return nil
}

func editManifest(data []byte, edit func(map[string]any) error) ([]byte, error) {
	if data == nil {
		return nil, fmt.Errorf("manifest.json missing")
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if err := edit(m); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(m, "", "  ")
	return append(out, '\n'), err
}

// readTree reads every regular file below dir, keyed by slash-separated relative path.
func readTree(dir string) (map[string][]byte, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	return files, err
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
