package main

import (
	"encoding/json"
	"testing"
)

func TestFirefoxManifest(t *testing.T) {
	var m map[string]any
	json.Unmarshal([]byte(`{"manifest_version":3,"name":"__MSG_name__","version":"0.1.0","key":"AAAA",
		"minimum_chrome_version":"120","permissions":["nativeMessaging"],
		"background":{"service_worker":"background.js","type":"module"}}`), &m)
	if err := firefoxManifest(m, "ponte@ponte.it"); err != nil {
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
	if g["id"] != "ponte@ponte.it" || g["strict_min_version"] != "128.0" {
		t.Errorf("gecko %v", g)
	}
	if m["permissions"].([]any)[0] != "nativeMessaging" {
		t.Error("permissions lost")
	}
	var mv2 map[string]any
	json.Unmarshal([]byte(`{"manifest_version":2}`), &mv2)
	if firefoxManifest(mv2, "a@b") == nil {
		t.Error("MV2 accepted")
	}
}
