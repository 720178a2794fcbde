package p11

import (
	"errors"
	"github.com/ponte-it/ponte/host/config"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvModule names the environment variable that overrides module discovery: one library path, or several
// separated by the OS list separator (':' on Unix, ';' on Windows).
const EnvModule = "PONTE_PKCS11_MODULE"

// HostConfig is the host's configuration file (host/config); this package reads its pkcs11_modules.
type HostConfig = config.Config

// Candidate is one module path to try, and why.
type Candidate struct {
	Path   string `json:"path"`
	Source string `json:"source"`           // "env", "config" or "driver"
	Driver string `json:"driver,omitempty"` // driver table name, for Source "driver"
}

// Locator finds module paths. The zero value is not useful: use NewLocator, or fill every field (tests).
type Locator struct {
	Getenv     func(string) string
	ConfigFile string // "" for none
	GOOS       string
	GOARCH     string
	Exists     func(path string) bool
	// Root, when set, is prepended to every library path of the driver table: tests lay out module
	// copies under a temporary directory with the real names. "" in the product.
	Root string
	// Safe, when set, must accept a table library before it counts as installed (SafeModulePath in the
	// product): the search loads every installed driver of the table, not only the one a card needs.
	// The user's own overrides are not checked: the user named them.
	Safe func(path string) error
}

// NewLocator looks at the real environment, configuration file and file system.
func NewLocator() Locator {
	cfg, _ := DefaultConfigFile()
	return Locator{
		Getenv: os.Getenv, ConfigFile: cfg, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Exists: func(p string) bool {
			st, err := os.Stat(p)
			return err == nil && !st.IsDir()
		},
		Safe: SafeModulePath,
	}
}

// DefaultConfigFile is ponte/host.json under the user's configuration directory ($XDG_CONFIG_HOME or
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on Windows).
func DefaultConfigFile() (string, error) { return config.Path() }

// ReadHostConfig reads the configuration file; a missing file is an empty configuration.
func ReadHostConfig(path string) (HostConfig, error) {
	if path == "" {
		return HostConfig{}, nil
	}
	return config.LoadFile(path)
}

// Overrides are the modules the user named (environment first, then configuration file). When there are
// any, they replace the driver table entirely: the user knows better than our table.
func (l Locator) Overrides() ([]Candidate, error) {
	if v := l.Getenv(EnvModule); strings.TrimSpace(v) != "" {
		sep := ":"
		if l.GOOS == "windows" {
			sep = ";"
		}
		var out []Candidate
		for _, p := range strings.Split(v, sep) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, Candidate{Path: p, Source: "env"})
			}
		}
		return out, nil
	}
	cfg, err := ReadHostConfig(l.ConfigFile)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, p := range cfg.PKCS11Modules {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, Candidate{Path: p, Source: "config"})
		}
	}
	return out, nil
}

// Find lists the modules to load for cards needing the given drivers: the overrides when set, else the
// first installed library of each driver. A driver with nothing installed contributes nothing (see
// Installed for diagnose).
func (l Locator) Find(drivers ...string) ([]Candidate, error) {
	over, err := l.Overrides()
	if err != nil || len(over) > 0 {
		return over, err
	}
	var out []Candidate
	seen := map[string]bool{}
	for _, name := range drivers {
		if p, ok := l.Installed(name); ok && !seen[p] {
			seen[p] = true
			out = append(out, Candidate{Path: p, Source: "driver", Driver: name})
		}
	}
	return out, nil
}

// FindAll lists the modules a card search loads: the overrides when set; else every installed driver of
// the table, the preferred ones first (the card family's order), then the others in table order, so a
// card whose family prefers a middleware the user did not install is still found by another one that
// sees it (the Sistema TS portal ships one bit4id package for every Actalis/Oberthur-IDEMIA family,
// whatever library name a family's row prefers). TestOnly drivers come only when preferred.
func (l Locator) FindAll(preferred ...string) ([]Candidate, error) {
	over, err := l.Overrides()
	if err != nil || len(over) > 0 {
		return over, err
	}
	names := append([]string(nil), preferred...)
	for _, d := range Drivers {
		if !d.TestOnly {
			names = append(names, d.Name)
		}
	}
	return l.Find(names...)
}

// Installed returns the first existing library of a driver on this OS that Safe accepts.
func (l Locator) Installed(driver string) (string, bool) {
	for _, p := range l.existing(driver) {
		if l.Safe == nil || l.Safe(p) == nil {
			return p, true
		}
	}
	return "", false
}

// Refused returns the first existing library of a driver that Safe refuses, and why, for diagnose.
func (l Locator) Refused(driver string) (string, error) {
	for _, p := range l.existing(driver) {
		if l.Safe != nil {
			if err := l.Safe(p); err != nil {
				return p, err
			}
		}
	}
	return "", nil
}

// existing lists a driver's libraries present on this OS, in the table's order.
func (l Locator) existing(driver string) []string {
	d, ok := DriverByName(driver)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range d.Candidates(l.GOOS, l.GOARCH) {
		if l.GOOS == "windows" && !strings.ContainsAny(p, `\/`) {
			continue // bare DLL name: only the loader can tell; the $SYSTEM32 entry covers the usual install
		}
		if l.Root != "" {
			p = filepath.Join(l.Root, p)
		}
		if l.Exists(p) {
			out = append(out, p)
		}
	}
	return out
}

// OpenFor loads the modules for cards needing these drivers (Locator.Find), each in isolation: the
// modules that load are returned, together with the errors of those that do not (ErrModuleMissing when
// nothing is installed at all).
func (m *Manager) OpenFor(l Locator, drivers ...string) ([]*Module, error) {
	cands, err := l.Find(drivers...)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, fail("find module", ErrModuleMissing, "none of %v is installed", drivers)
	}
	var mods []*Module
	var errs []error
	for _, c := range cands {
		mod, err := m.Load(c.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mods = append(mods, mod)
	}
	return mods, errors.Join(errs...)
}
