package install

import "errors"

// Hive is a registry root.
type Hive int

const (
	CurrentUser  Hive = iota // HKEY_CURRENT_USER: per-user registration
	LocalMachine             // HKEY_LOCAL_MACHINE: all users (needs an administrator)
)

func (h Hive) String() string {
	if h == LocalMachine {
		return "HKLM"
	}
	return "HKCU"
}

// RegistryKey is a key whose default value is the path of a manifest file.
type RegistryKey struct {
	Hive    Hive
	Path    string // below the hive, e.g. Software\Google\Chrome\NativeMessagingHosts\it.ponte.host
	Browser Browser
}

func (k RegistryKey) String() string { return k.Hive.String() + `\` + k.Path }

// Registry is the part of the Windows registry the installer uses. The real one is in
// registry_windows.go; tests use an in-memory map.
type Registry interface {
	// DefaultValue reads the key's default (unnamed) string value; ok is false when the key or the value is
	// missing.
	DefaultValue(h Hive, path string) (value string, ok bool, err error)
	// SetDefaultValue creates the key if needed and sets its default value.
	SetDefaultValue(h Hive, path, value string) error
	// DeleteKey removes the key (which has no subkeys).
	DeleteKey(h Hive, path string) error
}

var errNoRegistry = errors.New("registro di Windows non disponibile / Windows registry not available")
