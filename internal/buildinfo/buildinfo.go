// Package buildinfo holds the version stamped at build time from git (`make build` sets it with -ldflags),
// so `ponte-host version`, the extension's UI and the packages all show the same string.
package buildinfo

// Version is set by the linker: -X github.com/ponte-it/ponte/internal/buildinfo.Version=...
var Version = "dev"
