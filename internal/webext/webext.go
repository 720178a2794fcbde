// Package webext turns the built Chrome MV3 extension (build/extension) into its Firefox flavour. The same
// code serves `make build` (build/extension-firefox, through scripts/stamp) and `make dist` (the .xpi), so
// the folder a developer loads and the package a user installs cannot differ.
package webext

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MinFirefox is the oldest Firefox the Firefox flavour declares (gecko.strict_min_version). 140 is the
// oldest ESR still supported (Debian bookworm ships firefox-esr 140 in main and 153 in
// bookworm-security); it is also the first release that understands gecko.data_collection_permissions,
// which addons.mozilla.org requires of new add-ons (MDN, "browser_specific_settings"). Everything else
// Ponte uses is older: MV3 background scripts (109), 'wasm-unsafe-eval' in the MV3 CSP (102),
// runtime.connectNative (50).
const MinFirefox = "140.0"

// FirefoxManifest turns a Chrome MV3 manifest into Firefox's (MDN, "manifest.json": "background",
// "browser_specific_settings"):
//   - Firefox runs MV3 background code as event pages, not service workers: background.service_worker
//     becomes background.scripts (its "type" is kept);
//   - the add-on id goes into browser_specific_settings.gecko.id (it is the host manifest's
//     allowed_extensions entry), with strict_min_version MinFirefox unless one is set;
//   - data_collection_permissions says Ponte's extension collects nothing (unless the manifest says);
//   - "key" and "minimum_chrome_version" mean nothing to Firefox and are removed;
//   - the "pkcs11" permission is added: the setup page registers the card's module with browser.pkcs11
//     (MDN, "pkcs11"; Firefox 58), which Chromium does not have (it would warn about an unknown permission).
//
// Pages, locales, the CSP and the WASM are the same: Firefox's extension pages provide the chrome.*
// namespace next to browser.* (MDN, "Chrome incompatibilities"), so chrome.runtime.connectNative works
// unchanged.
func FirefoxManifest(m map[string]any, addonID string) error {
	if mv, _ := m["manifest_version"].(float64); mv != 3 {
		return fmt.Errorf("manifest_version %v, want 3", m["manifest_version"])
	}
	if addonID == "" {
		return fmt.Errorf("empty Firefox add-on id")
	}
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
	perms, _ := m["permissions"].([]any)
	hasPKCS11 := false
	for _, p := range perms {
		hasPKCS11 = hasPKCS11 || p == "pkcs11"
	}
	if !hasPKCS11 {
		m["permissions"] = append(perms, "pkcs11")
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
		gecko["strict_min_version"] = MinFirefox
	}
	if _, ok := gecko["data_collection_permissions"]; !ok {
		gecko["data_collection_permissions"] = map[string]any{"required": []any{"none"}}
	}
	bss["gecko"] = gecko
	m["browser_specific_settings"] = bss
	return nil
}

// EditManifest decodes manifest.json, applies edit and encodes it again (indented, final newline).
func EditManifest(data []byte, edit func(map[string]any) error) ([]byte, error) {
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

// Firefox returns the Firefox flavour of an extension tree (as ReadTree gives it): the same files with
// manifest.json rewritten by FirefoxManifest. files is not modified.
func Firefox(files map[string][]byte, addonID string) (map[string][]byte, error) {
	mf, err := EditManifest(files["manifest.json"], func(m map[string]any) error { return FirefoxManifest(m, addonID) })
	if err != nil {
		return nil, fmt.Errorf("Firefox manifest: %w", err)
	}
	out := make(map[string][]byte, len(files))
	for k, v := range files {
		out[k] = v
	}
	out["manifest.json"] = mf
	return out, nil
}

// ReadTree reads every regular file below dir, keyed by slash-separated relative path.
func ReadTree(dir string) (map[string][]byte, error) {
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

// WriteTree replaces dir with exactly files (so nothing stale from an earlier build survives).
func WriteTree(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// BuildFirefox writes the Firefox flavour of the extension folder src into dst.
func BuildFirefox(src, dst, addonID string) error {
	files, err := ReadTree(src)
	if err != nil {
		return err
	}
	ff, err := Firefox(files, addonID)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return WriteTree(dst, ff)
}
