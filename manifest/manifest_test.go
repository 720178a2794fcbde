package manifest

import (
	"encoding/json"
	"strings"
	"testing"
)

const testID = "feocdoceodidmopbkpidfhoffjhlinbc"

var testParams = Params{HostPath: "/usr/bin/ponte-host", ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"}

func TestRenderChromium(t *testing.T) {
	out, err := Render(Chromium, testParams)
	if err != nil {
		t.Fatal(err)
	}
	// Decode with the standard library into a generic map: what a browser would see.
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if m["name"] != "it.ponte.host" || m["path"] != "/usr/bin/ponte-host" || m["type"] != "stdio" {
		t.Fatalf("fields: %v", m)
	}
	origins, _ := m["allowed_origins"].([]any)
	if len(origins) != 1 || origins[0] != "chrome-extension://"+testID+"/" {
		t.Fatalf("allowed_origins: %v", m["allowed_origins"])
	}
	if _, ok := m["allowed_extensions"]; ok {
		t.Fatal("a Chromium manifest must not carry allowed_extensions")
	}
}

func TestRenderFirefox(t *testing.T) {
	out, err := Render(Firefox, testParams)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	exts, _ := m["allowed_extensions"].([]any)
	if len(exts) != 1 || exts[0] != "ponte@ponte.it" || m["name"] != HostName {
		t.Fatalf("manifest: %v", m)
	}
	if _, ok := m["allowed_origins"]; ok {
		t.Fatal("a Firefox manifest must not carry allowed_origins")
	}
	p, err := Parse(out)
	if err != nil || p.Flavour() != Firefox {
		t.Fatalf("parse back: %v %v", p, err)
	}
}

// A Windows path has backslashes and may have quotes in odd installs: the template must escape them.
func TestRenderEscapesPath(t *testing.T) {
	p := testParams
	p.HostPath = `C:\Program Files\Ponte "beta"\ponte-host.exe`
	out, err := Render(Chromium, p)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(out, &m); err != nil || m.Path != p.HostPath {
		t.Fatalf("path %q err %v\n%s", m.Path, err, out)
	}
}

func TestRenderRejectsBadParams(t *testing.T) {
	for name, p := range map[string]Params{
		"empty path":    {ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"},
		"newline path":  {HostPath: "/a\n/b", ChromeExtensionID: testID, FirefoxAddonID: "ponte@ponte.it"},
		"short id":      {HostPath: "/x", ChromeExtensionID: "abc", FirefoxAddonID: "ponte@ponte.it"},
		"id with q":     {HostPath: "/x", ChromeExtensionID: strings.Repeat("q", 32), FirefoxAddonID: "ponte@ponte.it"},
		"empty addon":   {HostPath: "/x", ChromeExtensionID: testID},
		"addon with sp": {HostPath: "/x", ChromeExtensionID: testID, FirefoxAddonID: "a b@c"},
	} {
		if _, err := Render(Chromium, p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, s := range map[string]string{
		"not json":      `{`,
		"unknown field": `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio","allowed_origins":["chrome-extension://` + testID + `/"],"extra":1}`,
		"bad name":      `{"name":"It.Ponte","description":"","path":"/x","type":"stdio","allowed_extensions":["a@b"]}`,
		"double dot":    `{"name":"it..ponte","description":"","path":"/x","type":"stdio","allowed_extensions":["a@b"]}`,
		"type":          `{"name":"it.ponte.host","description":"","path":"/x","type":"tcp","allowed_extensions":["a@b"]}`,
		"both lists":    `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio","allowed_extensions":["a@b"],"allowed_origins":["chrome-extension://` + testID + `/"]}`,
		"neither list":  `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio"}`,
		"origin no /":   `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio","allowed_origins":["chrome-extension://` + testID + `"]}`,
		"wildcard":      `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio","allowed_origins":["chrome-extension://*/"]}`,
		"trailing data": `{"name":"it.ponte.host","description":"","path":"/x","type":"stdio","allowed_extensions":["a@b"]} {}`,
	} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, fl := range []Flavour{Chromium, Firefox} {
		out, err := Render(fl, testParams)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
	}
	f.Add([]byte(`{"name":"a","type":"stdio","path":"/","allowed_extensions":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever Parse accepts is re-encodable and accepted again.
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, out, err)
		}
	})
}
