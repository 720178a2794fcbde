package install

import (
	"io/fs"
	"sort"
	"strings"
)

// memFS is an in-memory FS for the Windows logic on any OS. Paths are plain strings (Windows paths stay
// Windows paths); folders are implicit.
type memFS struct {
	files map[string][]byte
	perm  map[string]fs.FileMode
}

func newMemFS() *memFS { return &memFS{files: map[string][]byte{}, perm: map[string]fs.FileMode{}} }

func (m *memFS) ReadFile(name string) ([]byte, error) {
	d, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return append([]byte(nil), d...), nil
}

func (m *memFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	m.files[name] = append([]byte(nil), data...)
	m.perm[name] = perm
	return nil
}

func (m *memFS) Remove(name string) error {
	if _, ok := m.files[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

func (m *memFS) Exists(name string) bool {
	if _, ok := m.files[name]; ok {
		return true
	}
	for f := range m.files { // a folder exists when a file is below it
		if strings.HasPrefix(f, name+`\`) || strings.HasPrefix(f, name+"/") {
			return true
		}
	}
	return false
}

func (m *memFS) Executable(name string) bool { _, ok := m.files[name]; return ok }

func (m *memFS) List(dir string) ([]string, error) {
	var out []string
	for f := range m.files {
		if rest, ok := strings.CutPrefix(f, dir+`\`); ok && !strings.Contains(rest, `\`) {
			out = append(out, rest)
		} else if rest, ok := strings.CutPrefix(f, dir+"/"); ok && !strings.Contains(rest, "/") {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (m *memFS) names() []string {
	var n []string
	for f := range m.files {
		n = append(n, f)
	}
	sort.Strings(n)
	return n
}

// memRegistry is an in-memory registry: key -> default value.
type memRegistry struct{ keys map[string]string }

func newMemRegistry() *memRegistry { return &memRegistry{keys: map[string]string{}} }

func regName(h Hive, path string) string { return h.String() + `\` + strings.ToLower(path) } // keys are case-insensitive

func (r *memRegistry) DefaultValue(h Hive, path string) (string, bool, error) {
	v, ok := r.keys[regName(h, path)]
	return v, ok, nil
}

func (r *memRegistry) SetDefaultValue(h Hive, path, value string) error {
	r.keys[regName(h, path)] = value
	return nil
}

func (r *memRegistry) DeleteKey(h Hive, path string) error {
	if _, ok := r.keys[regName(h, path)]; !ok {
		return fs.ErrNotExist
	}
	delete(r.keys, regName(h, path))
	return nil
}
