package install

import (
	"errors"
	"os"
	"runtime"

	"golang.org/x/sys/windows/registry"
)

// DefaultEnv describes the running user on Windows.
func DefaultEnv() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, err
	}
	local, err := os.UserCacheDir() // %LocalAppData%
	if err != nil {
		return Env{}, err
	}
	pd := os.Getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return Env{GOOS: runtime.GOOS, Home: home, LocalAppData: local, ProgramData: pd}, nil
}

func nativeRegistry() Registry { return winRegistry{} }

// winRegistry is the real registry (golang.org/x/sys/windows/registry). Keys are opened in the 64-bit view,
// which Chrome and Firefox both read (they look in the 32-bit view first, then the 64-bit one).
type winRegistry struct{}

func root(h Hive) registry.Key {
	if h == LocalMachine {
		return registry.LOCAL_MACHINE
	}
	return registry.CURRENT_USER
}

func (winRegistry) DefaultValue(h Hive, path string) (string, bool, error) {
	k, err := registry.OpenKey(root(h), path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue("")
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (winRegistry) SetDefaultValue(h Hive, path, value string) error {
	k, _, err := registry.CreateKey(root(h), path, registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue("", value)
}

func (winRegistry) DeleteKey(h Hive, path string) error {
	return registry.DeleteKey(root(h), path)
}
