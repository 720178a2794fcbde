package webext

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFirefoxManifest(t *testing.T) {
	var m map[string]any
	json.Unmarshal([]byte(`{"manifest_version":3,"name":"__MSG_name__","version":"0.1.0","key":"AAAA",
		"minimum_chrome_version":"120","permissions":["nativeMessaging"],
		"background":{"service_worker":"background.js","type":"module"}}`), &m)
	if err := FirefoxManifest(m, "ponte@ponte.it"); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["key"]; ok {
		t.Error("key kept")
	}
	if _, ok := m["minimum_chrome_version"]; ok {
		t.Error("minimum_chrome_version kept")
	}
	bg := m["background"].(map[string]any)
	if s, _ := bg["scripts"].([]any); len(s) != 1 || s[0] != "background.js" || bg["type"] != "module" || bg["service_worker"] != nil {
		t.Errorf("background %v", bg)
	}
	g := m["browser_specific_settings"].(map[string]any)["gecko"].(map[string]any)
	if g["id"] != "ponte@ponte.it" || g["strict_min_version"] != MinFirefox {
		t.Errorf("gecko %v", g)
	}
	if dc, _ := g["data_collection_permissions"].(map[string]any); !reflect.DeepEqual(dc["required"], []any{"none"}) {
		t.Errorf("data_collection_permissions %v", g["data_collection_permissions"])
	}
	if ps := m["permissions"].([]any); len(ps) != 2 || ps[0] != "nativeMessaging" || ps[1] != "pkcs11" {
		t.Errorf("permissions %v, want nativeMessaging and pkcs11 (browser.pkcs11, setup page)", ps)
	}
	var mv2 map[string]any
	json.Unmarshal([]byte(`{"manifest_version":2}`), &mv2)
	if FirefoxManifest(mv2, "a@b") == nil {
		t.Error("MV2 accepted")
	}
}

// A minimum the manifest already states wins over MinFirefox.
func TestFirefoxManifestKeepsStatedMinimum(t *testing.T) {
	m := map[string]any{"manifest_version": 3.0, "browser_specific_settings": map[string]any{"gecko": map[string]any{"strict_min_version": "150.0"}}}
	if err := FirefoxManifest(m, "ponte@ponte.it"); err != nil {
		t.Fatal(err)
	}
	if g := m["browser_specific_settings"].(map[string]any)["gecko"].(map[string]any); g["strict_min_version"] != "150.0" || g["id"] != "ponte@ponte.it" {
		t.Errorf("gecko %v", g)
	}
}

// BuildFirefox copies every file, rewrites only manifest.json, and removes what an earlier build left.
func TestBuildFirefox(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	files := map[string][]byte{
		"manifest.json":             []byte(`{"manifest_version":3,"name":"x","version":"1","key":"K","version_name":"1-dev"}`),
		"app.html":                  []byte("<p>app</p>"),
		"ponte.wasm":                {0, 'a', 's', 'm'},
		"_locales/it/messages.json": []byte(`{"a":{"message":"b"}}`),
		"_locales/en/messages.json": []byte(`{"a":{"message":"c"}}`),
		"icons/16.png":              {0x89, 'P', 'N', 'G'},
	}
	if err := WriteTree(src, files); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "stale.js"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := BuildFirefox(src, dst, "ponte@ponte.it"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTree(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["stale.js"]; ok {
		t.Error("stale file survived")
	}
	if len(got) != len(files) {
		t.Errorf("%d files, want %d", len(got), len(files))
	}
	for name, data := range files {
		if name == "manifest.json" {
			continue
		}
		if string(got[name]) != string(data) {
			t.Errorf("%s changed", name)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(got["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["key"]; ok || m["version_name"] != "1-dev" || m["browser_specific_settings"] == nil {
		t.Errorf("manifest %v", m)
	}
	// The source is untouched.
	if orig, _ := os.ReadFile(filepath.Join(src, "manifest.json")); string(orig) != string(files["manifest.json"]) {
		t.Error("source manifest modified")
	}
	if err := BuildFirefox(filepath.Join(src, "missing"), dst, "ponte@ponte.it"); err == nil {
		t.Error("missing source accepted")
	}
}
