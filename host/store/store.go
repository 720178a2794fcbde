// Package store keeps the UI's records that must outlive the browser — the renewal journal — as opaque JSON
// files in the user's state folder, so a renewal started in one browser (or the local app, whose origin
// changes at every launch) can be resumed from another, or from `ponte renew`. The host does not interpret
// them: policy stays in the UI.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ponte-it/ponte/internal/atomicfile"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// Store is a folder of records.
type Store struct{ Dir string }

// MaxRecord bounds one record (the renewal log is capped well below it).
const MaxRecord = 48 << 10

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Default is $XDG_STATE_HOME/ponte/renewals (~/.local/state/...), or the user config folder elsewhere.
func Default() (Store, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Store{}, err
		}
		base = filepath.Join(home, ".local", "state")
		if _, err := os.Stat(base); err != nil {
			if cfg, err := os.UserConfigDir(); err == nil {
				base = cfg
			}
		}
	}
	return Store{Dir: filepath.Join(base, "ponte", "renewals")}, nil
}

// Put writes a record atomically.
func (s Store) Put(id string, record json.RawMessage) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("store: bad record id %q", id)
	}
	if len(record) > MaxRecord || !json.Valid(record) {
		return fmt.Errorf("store: record %s is not JSON of at most %d bytes", id, MaxRecord)
	}
	return atomicfile.WriteFile(filepath.Join(s.Dir, id+".json"), record, 0o600)
}

// Delete removes a record; one already gone is not an error.
func (s Store) Delete(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("store: bad record id %q", id)
	}
	err := os.Remove(filepath.Join(s.Dir, id+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// List returns every record by id, in id order.
func (s Store) List() (map[string]json.RawMessage, []string, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]json.RawMessage{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	out := map[string]json.RawMessage{}
	var ids []string
	for _, e := range entries {
		name := e.Name()
		id, ok := cutSuffix(name, ".json")
		if e.IsDir() || !ok || !validID.MatchString(id) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err != nil || !json.Valid(b) {
			continue // a damaged file is skipped, not fatal: the others still resume
		}
		out[id] = b
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return out, ids, nil
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}
