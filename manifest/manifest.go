// Package manifest renders and checks the native messaging host manifests of ponte-host.
//
// The templates are the two JSON files next to this source:
//   - chromium.json.tmpl for Chrome, Chromium, Edge and Brave: "allowed_origins" lists
//     chrome-extension://<ID>/ (Chrome for Developers, "Native messaging", section "Native messaging host");
//   - firefox.json.tmpl for Firefox: "allowed_extensions" lists the add-on id (MDN, "Native manifests",
//     section "Native messaging manifests").
//
// Both name the host it.ponte.host, carry the absolute path of the ponte-host binary and "type": "stdio".
package manifest

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ponte-it/ponte/internal/ids"
	"regexp"
	"strings"
	"text/template"
)

// HostName is the native messaging host name: the manifest's "name", its file name (HostName + ".json") on
// Linux and macOS, the registry key name on Windows, and the argument of runtime.connectNative().
const HostName = ids.HostName

// FileName is the manifest's file name; Chrome and Firefox look the host up by it on Linux and macOS.
const FileName = HostName + ".json"

// Description is the manifest's "description" (Italian first, English second).
const Description = "Ponte: carta TS-CNS/CNS nel browser / Ponte: TS-CNS/CNS smart card in the browser"

// Flavour is the manifest dialect a browser family reads.
type Flavour int

const (
	// Chromium is the dialect of Chrome, Chromium, Edge and Brave (allowed_origins).
	Chromium Flavour = iota
	// Firefox is the dialect of Firefox (allowed_extensions).
	Firefox
)

func (f Flavour) String() string {
	if f == Firefox {
		return "firefox"
	}
	return "chromium"
}

// Params are the inputs of a manifest.
type Params struct {
	HostPath          string // absolute path of ponte-host (or of the wrapper that starts it)
	ChromeExtensionID string // 32 letters a-p, fixed by the extension manifest's "key"
	FirefoxAddonID    string // browser_specific_settings.gecko.id, e.g. ponte@ponte.it
}

// Manifest is the JSON object both browsers read.
type Manifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	AllowedExtensions []string `json:"allowed_extensions,omitempty"`
}

//go:embed chromium.json.tmpl firefox.json.tmpl
var templates embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"json": func(s string) (string, error) {
		b, err := json.Marshal(s)
		return string(b), err
	},
}).ParseFS(templates, "*.tmpl"))

var (
	// Chrome: "lowercase alphanumeric characters, underscores and dots; can't start or end with a dot, and a
	// dot can't be followed by another dot".
	hostNameRE = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	// Chromium extension IDs: 128 bits of SHA-256 written with the letters a-p.
	extensionIDRE = regexp.MustCompile(`^[a-p]{32}$`)
	// Gecko add-on ids: an email-like string or a GUID in braces (MDN, browser_specific_settings, "id").
	addonIDRE = regexp.MustCompile(`^([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\})$`)
)

// ChromeOrigin is the allowed_origins entry for an extension ID.
func ChromeOrigin(id string) string { return "chrome-extension://" + id + "/" }

// Check reports the first problem with the parameters, in Italian and English.
func (p Params) Check() error {
	switch {
	case p.HostPath == "" || strings.ContainsAny(p.HostPath, "\x00\n\r"):
		return fmt.Errorf("percorso di ponte-host non valido %q / invalid ponte-host path %q", p.HostPath, p.HostPath)
	case !extensionIDRE.MatchString(p.ChromeExtensionID):
		return fmt.Errorf("ID dell'estensione Chrome non valido %q (servono 32 lettere a-p) / invalid Chrome extension ID %q (32 letters a-p expected)", p.ChromeExtensionID, p.ChromeExtensionID)
	case !addonIDRE.MatchString(p.FirefoxAddonID):
		return fmt.Errorf("ID del componente aggiuntivo Firefox non valido %q / invalid Firefox add-on id %q", p.FirefoxAddonID, p.FirefoxAddonID)
	}
	return nil
}

// Render fills the template of a flavour. The result is checked by parsing it back.
func Render(f Flavour, p Params) ([]byte, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	data := struct {
		Name, Description, HostPath, ChromeOrigin, FirefoxAddonID string
	}{HostName, Description, p.HostPath, ChromeOrigin(p.ChromeExtensionID), p.FirefoxAddonID}
	if err := tmpl.ExecuteTemplate(&buf, f.String()+".json.tmpl", data); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if _, err := Parse(out); err != nil {
		return nil, fmt.Errorf("manifest: template %s rendered an invalid manifest: %w", f, err)
	}
	return out, nil
}

// Parse decodes and checks a host manifest the way the browsers do: known fields only, a valid host name,
// "type": "stdio", a non-empty path and exactly one of allowed_origins / allowed_extensions.
func Parse(data []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("manifest: JSON non valido / invalid JSON: %w", err)
	}
	if dec.More() {
		return Manifest{}, errors.New("manifest: dati dopo l'oggetto JSON / trailing data after the JSON object")
	}
	switch {
	case !hostNameRE.MatchString(m.Name):
		return Manifest{}, fmt.Errorf("manifest: nome dell'host non valido %q / invalid host name %q", m.Name, m.Name)
	case m.Type != "stdio":
		return Manifest{}, fmt.Errorf("manifest: type %q, atteso \"stdio\" / type %q, want \"stdio\"", m.Type, m.Type)
	case m.Path == "":
		return Manifest{}, errors.New("manifest: manca path / path is missing")
	case (len(m.AllowedOrigins) == 0) == (len(m.AllowedExtensions) == 0):
		return Manifest{}, errors.New("manifest: serve allowed_origins (Chrome) oppure allowed_extensions (Firefox) / exactly one of allowed_origins (Chrome) and allowed_extensions (Firefox) is required")
	}
	for _, o := range m.AllowedOrigins {
		id, ok := strings.CutPrefix(o, "chrome-extension://")
		if !ok || !strings.HasSuffix(id, "/") || !extensionIDRE.MatchString(strings.TrimSuffix(id, "/")) {
			return Manifest{}, fmt.Errorf("manifest: origine non valida %q (chrome-extension://ID/) / invalid origin %q (chrome-extension://ID/)", o, o)
		}
	}
	for _, id := range m.AllowedExtensions {
		if !addonIDRE.MatchString(id) {
			return Manifest{}, fmt.Errorf("manifest: ID di componente aggiuntivo non valido %q / invalid add-on id %q", id, id)
		}
	}
	return m, nil
}

// Flavour tells which browser family a parsed manifest is for.
func (m Manifest) Flavour() Flavour {
	if len(m.AllowedExtensions) > 0 {
		return Firefox
	}
	return Chromium
}
