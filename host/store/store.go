// Package store keeps the UI's records that must outlive the browser — the renewal journal — as opaque JSON
// files in the user's state folder, so a renewal started in one browser (or the local app, whose origin
// changes at every launch) can be resumed from another, or from `ponte renew`. The host does not interpret
// them: policy stays in the UI — except two fields every record carries for concurrency: its version and
// its claim (Put).
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

// ErrBusy: a Put lost a race with another writer of the same renewal (another tab, browser profile or
// `ponte renew`, possibly in another host process): the record moved on since the writer read it, or
// another open record already claims the same certificate. Nothing was written; the writer reads the
// journal again (protocol.ErrRenewalBusy).
var ErrBusy = errors.New("store: the record was changed by another writer")

// ErrNoVersion: a record without a version, as an engine from before the journal's compare-and-swap saves
// it (an extension not yet updated beside this host). It cannot be compared, so it is refused: the host
// answers VERSION_MISMATCH, whose words say to update, not an internal error.
var ErrNoVersion = errors.New("store: the record has no version (written by an earlier version of Ponte)")

// meta is what Put reads of a record: its version (the writer's last-read version plus one; a record
// written before versions existed reads as 0) and its claim (the certificate an open renewal holds, "" once
// it is finished).
type meta struct {
	Version int64  `json:"version"`
	Claim   string `json:"claim"`
}

// Put writes a record atomically, as a compare-and-swap: under the lock every host process of the user
// shares (lockDir), the record is written only if the stored one's version is the new one's minus one
// (none stored: the new version is 1), and a new record with a claim only if no other record holds the
// same claim. Otherwise ErrBusy and nothing changes. Two writers that read the same version therefore
// cannot both write: the second finds the first's version.
func (s Store) Put(id string, record json.RawMessage) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("store: bad record id %q", id)
	}
	var m meta
	if len(record) > MaxRecord || json.Unmarshal(record, &m) != nil {
		return fmt.Errorf("store: record %s is not a JSON object of at most %d bytes", id, MaxRecord)
	}
	if m.Version < 1 {
		return fmt.Errorf("%w: record %s", ErrNoVersion, id)
	}
	unlock, err := lockDir(s.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	stored, found, err := s.meta(id)
	if err != nil {
		return err
	}
	switch {
	case found && stored.Version != m.Version-1:
		return fmt.Errorf("%w: %s is at version %d, the writer read %d", ErrBusy, id, stored.Version, m.Version-1)
	case !found && m.Version != 1:
		// Deleted meanwhile (pruned, or closed elsewhere): a stale copy must not bring it back.
		return fmt.Errorf("%w: %s is no longer in the journal", ErrBusy, id)
	case !found && m.Claim != "":
		if other, err := s.claimedBy(m.Claim); err != nil || other != "" {
			return errors.Join(err, fmt.Errorf("%w: %s already claims %s", ErrBusy, other, m.Claim))
		}
	}
	return atomicfile.WriteFile(s.file(id), record, 0o600)
}

func (s Store) file(id string) string { return filepath.Join(s.Dir, id+".json") }

// meta reads one stored record's version and claim; found is false when there is none.
func (s Store) meta(id string) (m meta, found bool, err error) {
	b, err := os.ReadFile(s.file(id))
	if errors.Is(err, fs.ErrNotExist) {
		return meta{}, false, nil
	}
	if err != nil {
		return meta{}, false, err
	}
	if json.Unmarshal(b, &m) != nil {
		return meta{}, true, nil // damaged: version 0, as a record from before versions
	}
	return m, true, nil
}

// claimedBy is the id of the stored record holding claim, or "".
func (s Store) claimedBy(claim string) (string, error) {
	records, ids, err := s.List()
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		var m meta
		if json.Unmarshal(records[id], &m) == nil && m.Claim == claim {
			return id, nil
		}
	}
	return "", nil
}

// Delete removes a record; one already gone is not an error. It takes the same lock as Put, so a delete
// never lands between another writer's check and its write.
func (s Store) Delete(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("store: bad record id %q", id)
	}
	unlock, err := lockDir(s.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	err = os.Remove(s.file(id))
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
