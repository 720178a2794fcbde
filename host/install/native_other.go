//go:build !windows

package install

import (
	"os"
	"runtime"
)

// DefaultEnv describes the running user on Linux and macOS.
func DefaultEnv() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, err
	}
	return Env{GOOS: runtime.GOOS, Home: home, ConfigHome: os.Getenv("XDG_CONFIG_HOME")}, nil
}

func nativeRegistry() Registry { return nil }
