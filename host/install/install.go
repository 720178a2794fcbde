// Package install registers ponte-host as the native messaging host it.ponte.host with Chrome, Chromium,
// Edge, Brave and Firefox, per user or for all users, on Linux, macOS and Windows, and removes exactly what it
// wrote. The locations are tables per OS (linux_paths.go, darwin_paths.go, windows_paths.go, flatpak.go), pure
// functions of Env, so every OS's table is tested on any OS; the file system and the registry are interfaces.
package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/ponte-it/ponte/manifest"
)

// Config says what to register. The lead fills it from internal/ids and os.Executable().
type Config struct {
	HostPath          string // absolute path of the ponte-host binary
	ChromeExtensionID string // fixed by the extension manifest's "key"
	FirefoxAddonID    string // e.g. ponte@ponte.it
	// PKCS11 are the card modules to offer to Firefox through browser.pkcs11 (pkcs11.go); none: no
	// PKCS#11 manifest is written.
	PKCS11 []PKCS11Module
}

func (c Config) params(hostPath string) manifest.Params {
	return manifest.Params{HostPath: hostPath, ChromeExtensionID: c.ChromeExtensionID, FirefoxAddonID: c.FirefoxAddonID}
}

// Options says where. The zero value means: per user, on this machine, real files and registry.
type Options struct {
	System   bool     // all users: system folders / HKLM (needs root or an administrator)
	Env      *Env     // nil: DefaultEnv()
	FS       FS       // nil: OSFS{Root: Root}
	Root     string   // prefix for every file path (package staging tree, tests); only with FS nil
	Registry Registry // nil: the real registry on Windows, none elsewhere
}

func (o Options) resolve() (Env, FS, Registry, error) {
	var env Env
	if o.Env != nil {
		env = *o.Env
	} else {
		e, err := DefaultEnv()
		if err != nil {
			return Env{}, nil, nil, err
		}
		env = e
	}
	fsys := o.FS
	if fsys == nil {
		fsys = OSFS{Root: o.Root}
	}
	reg := o.Registry
	if reg == nil && env.GOOS == "windows" {
		reg = nativeRegistry()
	}
	return env, fsys, reg, nil
}

// Install writes the manifests (and, on Windows, the registry keys) for every browser. Running it again
// changes nothing and the report says so. On error the report lists what was done before it.
func Install(cfg Config, opt Options) (*Report, error) {
	env, fsys, reg, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	rep := &Report{Op: "install"}
	if !isAbs(env.GOOS, cfg.HostPath) {
		return rep, fmt.Errorf("il percorso di ponte-host deve essere assoluto: %q / the ponte-host path must be absolute: %q", cfg.HostPath, cfg.HostPath)
	}
	if !fsys.Executable(cfg.HostPath) {
		return rep, fmt.Errorf("ponte-host non trovato o non eseguibile in %s (chmod +x?) / ponte-host missing or not executable at %s (chmod +x?)", cfg.HostPath, cfg.HostPath)
	}
	if err := cfg.params(cfg.HostPath).Check(); err != nil {
		return rep, err
	}
	// On this machine's real files (not a package's staging tree, whose owner is the builder).
	if opt.System && opt.FS == nil && opt.Root == "" && env.GOOS != "windows" {
		if err := checkSystemPaths(cfg, "/"); err != nil {
			return rep, err
		}
	}
	locs, notices := Plan(env, opt.System)
	if len(locs) == 0 {
		return rep, fmt.Errorf("sistema operativo non supportato: %s / unsupported operating system: %s", env.GOOS, env.GOOS)
	}
	for _, l := range locs {
		if l.Requires != "" && !fsys.Exists(l.Requires) {
			continue
		}
		if err := installLocation(rep, env, fsys, reg, cfg, l); err != nil {
			return rep, err
		}
	}
	if err := installPKCS11(rep, env, fsys, reg, cfg, opt.System); err != nil {
		return rep, err
	}
	for _, n := range notices {
		if fsys.Exists(n.Requires) {
			rep.Notices = append(rep.Notices, n)
		}
	}
	return rep, nil
}

func installLocation(rep *Report, env Env, fsys FS, reg Registry, cfg Config, l Location) error {
	hostPath := cfg.HostPath
	if l.Wrapper != "" {
		if err := writeIfChanged(rep, fsys, l.Wrapper, wrapperScript(cfg.HostPath), 0o755, KindWrapper, l.Browsers); err != nil {
			return err
		}
		hostPath = l.Wrapper
	}
	data, err := manifest.Render(l.Flavour, cfg.params(hostPath))
	if err != nil {
		return err
	}
	file := l.ManifestPath(env.GOOS)
	if err := writeIfChanged(rep, fsys, file, data, 0o644, KindManifest, l.Browsers); err != nil {
		return err
	}
	for _, k := range l.Keys {
		if reg == nil {
			return errNoRegistry
		}
		cur, ok, err := reg.DefaultValue(k.Hive, k.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if ok && cur == file {
			rep.add(Unchanged, KindRegistry, k.String(), k.Browser)
			continue
		}
		if err := reg.SetDefaultValue(k.Hive, k.Path, file); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		rep.add(Written, KindRegistry, k.String(), k.Browser)
	}
	return nil
}

func writeIfChanged(rep *Report, fsys FS, name string, data []byte, perm fs.FileMode, kind Kind, browsers []Browser) error {
	if cur, err := fsys.ReadFile(name); err == nil && bytes.Equal(cur, data) {
		rep.add(Unchanged, kind, name, browsers...)
		return nil
	}
	if err := fsys.WriteFile(name, data, perm); err != nil {
		return fmt.Errorf("scrittura di %s non riuscita / cannot write %s: %w", name, name, err)
	}
	rep.add(Written, kind, name, browsers...)
	return nil
}

// Uninstall removes what Install writes at every location of the same scope: the it.ponte.host manifests,
// Ponte's flatpak launchers and the registry keys that point to Ponte's manifests. Anything else (another
// host's files, a key pointing elsewhere, a file that is not a host manifest) is left alone and reported.
func Uninstall(opt Options) (*Report, error) {
	env, fsys, reg, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	rep := &Report{Op: "uninstall"}
	locs, _ := Plan(env, opt.System)
	if len(locs) == 0 {
		return rep, fmt.Errorf("sistema operativo non supportato: %s / unsupported operating system: %s", env.GOOS, env.GOOS)
	}
	for _, l := range locs {
		file := l.ManifestPath(env.GOOS)
		for _, k := range l.Keys {
			if reg == nil {
				return rep, errNoRegistry
			}
			cur, ok, err := reg.DefaultValue(k.Hive, k.Path)
			switch {
			case err != nil:
				return rep, fmt.Errorf("%s: %w", k, err)
			case !ok:
				continue
			case !strings.EqualFold(cur, file):
				rep.addDetail(LeftAlone, KindRegistry, k.String(), "punta a / points to "+cur, k.Browser)
			default:
				if err := reg.DeleteKey(k.Hive, k.Path); err != nil {
					return rep, fmt.Errorf("%s: %w", k, err)
				}
				rep.add(Removed, KindRegistry, k.String(), k.Browser)
			}
		}
		if err := removeIf(rep, fsys, file, KindManifest, l.Browsers, isOurManifest); err != nil {
			return rep, err
		}
		if l.Wrapper != "" {
			if err := removeIf(rep, fsys, l.Wrapper, KindWrapper, l.Browsers, isOurWrapper); err != nil {
				return rep, err
			}
		}
	}
	if err := uninstallPKCS11(rep, env, fsys, reg, opt.System); err != nil {
		return rep, err
	}
	return rep, nil
}

func isOurManifest(data []byte) bool {
	m, err := manifest.Parse(data)
	return err == nil && m.Name == manifest.HostName
}

func isOurWrapper(data []byte) bool { return bytes.Contains(data, []byte(wrapperMarker)) }

func removeIf(rep *Report, fsys FS, name string, kind Kind, browsers []Browser, ours func([]byte) bool) error {
	data, err := fsys.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lettura di %s non riuscita / cannot read %s: %w", name, name, err)
	}
	if !ours(data) {
		rep.addDetail(LeftAlone, kind, name, "non scritto da Ponte / not written by Ponte", browsers...)
		return nil
	}
	if err := fsys.Remove(name); err != nil {
		return fmt.Errorf("rimozione di %s non riuscita / cannot remove %s: %w", name, name, err)
	}
	rep.add(Removed, kind, name, browsers...)
	return nil
}

// WriteManifest writes the manifest for browser into dir (dir/it.ponte.host.json) and returns its path:
// for a throw-away Chromium profile, dir is <user-data-dir>/NativeMessagingHosts. The host path is used as
// given and must exist.
func WriteManifest(dir string, browser Browser, cfg Config) (string, error) {
	if dir == "" {
		return "", errors.New("install: WriteManifest needs a folder")
	}
	data, err := manifest.Render(browser.Flavour(), cfg.params(cfg.HostPath))
	if err != nil {
		return "", err
	}
	if !(OSFS{}).Executable(cfg.HostPath) {
		return "", fmt.Errorf("ponte-host non trovato o non eseguibile in %s / ponte-host missing or not executable at %s", cfg.HostPath, cfg.HostPath)
	}
	p := filepath.Join(dir, manifest.FileName)
	return p, OSFS{}.WriteFile(p, data, 0o644)
}
