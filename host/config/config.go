// Package config reads ponte-host's optional configuration file:
// $XDG_CONFIG_HOME/ponte/host.json (Linux), ~/Library/Application Support/Ponte/host.json (macOS),
// %AppData%\Ponte\host.json (Windows) — the folder os.UserConfigDir gives. A missing file is an empty
// configuration; a malformed one is an error that names the file, so nobody wonders why a setting is ignored.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Config is the file's content. Unknown fields are refused.
type Config struct {
	// AllowedOrigins adds extension origins (chrome-extension://ID/) or Firefox add-on ids that may start
	// the host, e.g. for a developer's unpacked build. The released extension is always allowed.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// PKCS11Modules lists PKCS#11 module paths tried before the driver table (PONTE_PKCS11_MODULE wins).
	PKCS11Modules []string `json:"pkcs11_modules,omitempty"`
}

// Path is where the file is looked for.
func Path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "ponte", "host.json"), nil
}

// Load reads the file at Path.
func Load() (Config, error) {
	p, err := Path()
	if err != nil {
		return Config{}, nil
	}
	return LoadFile(p)
}

// LoadFile reads one configuration file.
func LoadFile(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if c, err = Parse(b); err != nil {
		return c, fmt.Errorf("configurazione non valida / invalid configuration %s: %w", path, err)
	}
	return c, nil
}

// Parse reads the file's content strictly: one JSON object, known fields only.
func Parse(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, err
	}
	if dec.More() {
		return Config{}, fmt.Errorf("trailing data after the configuration")
	}
	return c, nil
}
