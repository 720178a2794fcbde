package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/ponte-it/ponte/internal/ids"
)

// PKCS#11 manifests (MDN, "Native manifests", "PKCS #11 manifests" and "Manifest location"): Firefox lets an
// extension with the "pkcs11" permission load a PKCS#11 module with browser.pkcs11.installModule(name) only
// when a manifest {"name","description","path","type":"pkcs11","allowed_extensions"} for that name is where
// Firefox looks:
//   - Linux: ~/.mozilla/pkcs11-modules/<name>.json per user; /usr/lib/mozilla/pkcs11-modules/ or
//     /usr/lib64/mozilla/pkcs11-modules/ for every user;
//   - macOS: ~/Library/Application Support/Mozilla/PKCS11Modules/<name>.json per user, /Library/Application
//     Support/Mozilla/PKCS11Modules/ for every user;
//   - Windows: the key HKCU (or HKLM)\Software\Mozilla\PKCS11Modules\<name>, whose default value is the
//     manifest's path; Ponte keeps the files in %LOCALAPPDATA% (or %ProgramData%)\Ponte\PKCS11Modules.
// "path" must be absolute on Linux and macOS. With the module loaded, Firefox uses the card for TLS client
// authentication (the public-administration portals' "accesso con CNS").

// PKCS11Module is a PKCS#11 library to offer to Firefox.
type PKCS11Module struct {
	Name        string // manifest name (ids.PKCS11ModuleName), the argument of browser.pkcs11.installModule
	Description string // Firefox's "Security Devices" list shows it
	Path        string // absolute path of the library
}

// PKCS11Prefix starts the name of every PKCS#11 manifest Ponte writes (ids.PKCS11ModuleName makes them);
// Uninstall removes only those.
const PKCS11Prefix = ids.PKCS11Prefix

// KindPKCS11 is a PKCS#11 manifest in a report.
const KindPKCS11 Kind = "pkcs11"

// pkcs11NameRE is MDN's rule for a manifest name: "^\w+(\.\w+)*$".
var pkcs11NameRE = regexp.MustCompile(`^\w+(\.\w+)*$`)

// pkcs11Manifest is the JSON Firefox reads.
type pkcs11Manifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedExtensions []string `json:"allowed_extensions"`
}

func renderPKCS11(m PKCS11Module, addonID string) ([]byte, error) {
	b, err := json.MarshalIndent(pkcs11Manifest{Name: m.Name, Description: m.Description, Path: m.Path, Type: "pkcs11",
		AllowedExtensions: []string{addonID}}, "", "  ")
	return append(b, '\n'), err
}

// isOurPKCS11 says whether a file is a PKCS#11 manifest Ponte wrote.
func isOurPKCS11(data []byte) bool {
	var m pkcs11Manifest
	return json.Unmarshal(data, &m) == nil && m.Type == "pkcs11" && strings.HasPrefix(m.Name, PKCS11Prefix)
}

// pkcs11Dir is one folder Firefox reads PKCS#11 manifests from (or, on Windows, where Ponte keeps them and
// the registry key folder pointing at them).
type pkcs11Dir struct {
	Dir      string
	Requires string // used only when this exists (/usr/lib64)
	Hive     Hive
	Registry bool // Windows: a key per manifest under Software\Mozilla\PKCS11Modules
}

func pkcs11Dirs(env Env, system bool) []pkcs11Dir {
	switch env.GOOS {
	case "linux":
		if system {
			return []pkcs11Dir{{Dir: "/usr/lib/mozilla/pkcs11-modules"}, {Dir: "/usr/lib64/mozilla/pkcs11-modules", Requires: "/usr/lib64"}}
		}
		return []pkcs11Dir{{Dir: join("linux", env.Home, ".mozilla/pkcs11-modules")}}
	case "darwin":
		if system {
			return []pkcs11Dir{{Dir: "/Library/Application Support/Mozilla/PKCS11Modules"}}
		}
		return []pkcs11Dir{{Dir: join("darwin", env.Home, "Library/Application Support/Mozilla/PKCS11Modules")}}
	case "windows":
		if system {
			return []pkcs11Dir{{Dir: join("windows", env.ProgramData, `Ponte\PKCS11Modules`), Hive: LocalMachine, Registry: true}}
		}
		return []pkcs11Dir{{Dir: join("windows", env.LocalAppData, `Ponte\PKCS11Modules`), Hive: CurrentUser, Registry: true}}
	}
	return nil
}

func pkcs11Key(d pkcs11Dir, name string) RegistryKey {
	return RegistryKey{Hive: d.Hive, Path: `Software\Mozilla\PKCS11Modules\` + name, Browser: Firefox}
}

// installPKCS11 writes a manifest per module in every folder of the scope (and the Windows keys).
func installPKCS11(rep *Report, env Env, fsys FS, reg Registry, cfg Config, system bool) error {
	seen := map[string]bool{}
	for _, m := range cfg.PKCS11 {
		if !pkcs11NameRE.MatchString(m.Name) || !strings.HasPrefix(m.Name, PKCS11Prefix) {
			return fmt.Errorf("nome del modulo PKCS#11 non valido: %q / invalid PKCS#11 module name: %q", m.Name, m.Name)
		}
		if !isAbs(env.GOOS, m.Path) {
			return fmt.Errorf("il percorso del modulo PKCS#11 deve essere assoluto: %q / the PKCS#11 module path must be absolute: %q", m.Path, m.Path)
		}
		if seen[m.Name] {
			continue
		}
		seen[m.Name] = true
		data, err := renderPKCS11(m, cfg.FirefoxAddonID)
		if err != nil {
			return err
		}
		for _, d := range pkcs11Dirs(env, system) {
			if d.Requires != "" && !fsys.Exists(d.Requires) {
				continue
			}
			file := join(env.GOOS, d.Dir, m.Name+".json")
			if err := writeIfChanged(rep, fsys, file, data, 0o644, KindPKCS11, []Browser{Firefox}); err != nil {
				return err
			}
			if !d.Registry {
				continue
			}
			if reg == nil {
				return errNoRegistry
			}
			k := pkcs11Key(d, m.Name)
			cur, ok, err := reg.DefaultValue(k.Hive, k.Path)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if ok && cur == file {
				rep.add(Unchanged, KindRegistry, k.String(), Firefox)
				continue
			}
			if err := reg.SetDefaultValue(k.Hive, k.Path, file); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			rep.add(Written, KindRegistry, k.String(), Firefox)
		}
	}
	return nil
}

// Lister is implemented by file systems that can list a folder (OSFS); Uninstall uses it to find every
// PKCS#11 manifest Ponte wrote, even for modules no longer installed.
type Lister interface {
	// List returns the names of the files in a folder (none when it does not exist).
	List(dir string) ([]string, error)
}

func (o OSFS) List(dir string) ([]string, error) {
	es, err := os.ReadDir(o.path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []string
	for _, e := range es {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out, err
}

// uninstallPKCS11 removes Ponte's PKCS#11 manifests (it.ponte.*.json of type pkcs11) from every folder of
// the scope, and the Windows keys that point to them. A file system that cannot list (no Lister) has none
// to remove.
func uninstallPKCS11(rep *Report, env Env, fsys FS, reg Registry, system bool) error {
	for _, d := range pkcs11Dirs(env, system) {
		files := map[string]bool{}
		if l, ok := fsys.(Lister); ok {
			list, err := l.List(d.Dir)
			if err != nil {
				return fmt.Errorf("lettura di %s non riuscita / cannot read %s: %w", d.Dir, d.Dir, err)
			}
			for _, f := range list {
				if strings.HasPrefix(f, PKCS11Prefix) && strings.HasSuffix(f, ".json") {
					files[f] = true
				}
			}
		}
		sorted := make([]string, 0, len(files))
		for f := range files {
			sorted = append(sorted, f)
		}
		sort.Strings(sorted)
		for _, f := range sorted {
			file := join(env.GOOS, d.Dir, f)
			if d.Registry {
				if reg == nil {
					return errNoRegistry
				}
				k := pkcs11Key(d, strings.TrimSuffix(f, ".json"))
				cur, ok, err := reg.DefaultValue(k.Hive, k.Path)
				switch {
				case err != nil:
					return fmt.Errorf("%s: %w", k, err)
				case !ok:
				case !strings.EqualFold(cur, file):
					rep.addDetail(LeftAlone, KindRegistry, k.String(), "punta a / points to "+cur, Firefox)
				default:
					if err := reg.DeleteKey(k.Hive, k.Path); err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
					rep.add(Removed, KindRegistry, k.String(), Firefox)
				}
			}
			if err := removeIf(rep, fsys, file, KindPKCS11, []Browser{Firefox}, isOurPKCS11); err != nil {
				return err
			}
		}
	}
	return nil
}
