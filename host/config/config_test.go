package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	if c, err := LoadFile(filepath.Join(dir, "missing.json")); err != nil || len(c.AllowedOrigins) != 0 {
		t.Fatalf("missing file: %+v %v", c, err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"allowed_origins":["chrome-extension://abc/"],"pkcs11_modules":["/x.so"]}`), 0o600)
	c, err := LoadFile(good)
	if err != nil || c.AllowedOrigins[0] != "chrome-extension://abc/" || c.PKCS11Modules[0] != "/x.so" {
		t.Fatalf("good file: %+v %v", c, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"allowed_origin":[]}`), 0o600)
	if _, err := LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("misspelt field accepted or error does not name the file: %v", err)
	}
}

// FuzzParse: any bytes give a configuration or an error, never a panic; what parses re-encodes to the same.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"pkcs11_modules":["/usr/lib/x.so"],"allowed_origins":["chrome-extension://a/"]}`))
	f.Add([]byte(`{"pkcs11_modules":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if c2, err := Parse(again); err != nil || len(c2.PKCS11Modules) != len(c.PKCS11Modules) {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
	})
}
