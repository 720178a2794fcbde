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
	"strconv"
	"time"
)

// Store is a folder of records.
type Store struct {
	Dir string
	// Now is the host's clock, which alone dates a lease (time.Now when nil): a page cannot forge an
	// expiry, it only names its owner. Tests move it.
	Now func() time.Time
	// Lease is how long a running engine's save holds the renewal (DefaultLease when 0).
	Lease time.Duration
}

// DefaultLease bounds the longest single step of a renewal between two saves of its engine, with room to
// spare, so a live owner always saves again before its lease ends: the longest are a CMP message's round
// trip (cmp.Client.MessageTimeout, one minute; the engine saves before every message, BeforeSend) after
// the card's signature of it, and an on-card RSA-2048 key generation (tens of seconds on the slowest
// cards). The PIN is typed before the take-over save and a poll's wait for checkAfter has nothing in
// flight (the next message is saved first), so neither is inside a step. Two minutes also bounds how long
// RIPRENDI stays refused after a tab crashed mid-step.
const DefaultLease = 2 * time.Minute

// leaseEnv, a Go duration, shortens the lease of the host it is set for (the tests of a crashed tab).
const leaseEnv = "PONTE_JOURNAL_LEASE"

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
	s := Store{Dir: filepath.Join(base, "ponte", "renewals")}
	if d, err := time.ParseDuration(os.Getenv(leaseEnv)); err == nil && d > 0 && d < DefaultLease {
		s.Lease = d
	}
	return s, nil
}

func (s Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s Store) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

// ErrBusy: a Put lost a race with another writer of the same renewal (another tab, browser profile or
// `ponte renew`, possibly in another host process): the record moved on since the writer read it, or
// another open record already claims the same certificate, or another engine holds its lease. Nothing was written; the writer reads the
// journal again (protocol.ErrRenewalBusy).
var ErrBusy = errors.New("store: the record was changed by another writer")

// ErrNoVersion: a record without a version, as an engine from before the journal's compare-and-swap saves
// it (an extension not yet updated beside this host). It cannot be compared, so it is refused: the host
// answers VERSION_MISMATCH, whose words say to update, not an internal error.
var ErrNoVersion = errors.New("store: the record has no version (written by an earlier version of Ponte)")

// meta is what Put reads of a record: its version (the writer's last-read version plus one; a record
// written before versions existed reads as 0) and its claim (the certificate an open renewal holds, "" once
// it is finished) and its lease: the owner (the random id of the engine run that wrote it), whether that
// run has stopped, and until when the host holds the record for it (leaseUntil, written by the host only).
type meta struct {
	Version    int64     `json:"version"`
	Claim      string    `json:"claim"`
	Owner      string    `json:"owner"`
	Stopped    bool      `json:"stopped"`
	LeaseUntil time.Time `json:"leaseUntil"`
}

// leased reports whether m is held for its owner at now: written by an engine still running, within its
// lease.
func (m meta) leased(now time.Time) bool {
	return m.Owner != "" && !m.Stopped && now.Before(m.LeaseUntil)
}

// Put writes a record atomically, as a compare-and-swap: under the lock every host process of the user
// shares (lockDir), the record is written only if the stored one's version is the new one's minus one
// (none stored: the new version is 1), and a new record with a claim only if no other record holds the
// same claim. Otherwise ErrBusy and nothing changes. Two writers that read the same version therefore
// cannot both write: the second finds the first's version.
//
// It is also a lease: a record whose owner has not stopped is held for that owner until leaseUntil (the
// host's clock plus Lease, stamped at each of its saves), and another owner's save — a take-over, RIPRENDI
// or ANNULLA in another tab — is refused until then, even at the right version. The compare-and-swap alone
// orders saves; the lease keeps a second engine from repeating the step the first is doing between two
// saves (a key generation, a request in flight). A stopped owner (Stopped) releases it at once.
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
	now := s.now()
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
	case found && stored.Owner != m.Owner && stored.leased(now):
		return fmt.Errorf("%w: %s is held by another engine until %s", ErrBusy, id, stored.LeaseUntil.Format(time.RFC3339))
	case !found && m.Claim != "":
		if other, err := s.claimedBy(m.Claim); err != nil || other != "" {
			return errors.Join(err, fmt.Errorf("%w: %s already claims %s", ErrBusy, other, m.Claim))
		}
	}
	record, err = stampLease(record, m, now.Add(s.lease()))
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.file(id), record, 0o600)
}

// stampLease sets the record's leaseUntil to until while its owner runs, and removes it otherwise: only the
// host dates a lease, whatever the writer sent. A record without either is written as it came.
func stampLease(record json.RawMessage, m meta, until time.Time) (json.RawMessage, error) {
	running := m.Owner != "" && !m.Stopped
	if !running && m.LeaseUntil.IsZero() {
		return record, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(record, &fields); err != nil {
		return nil, err
	}
	delete(fields, "leaseUntil")
	if running {
		fields["leaseUntil"] = json.RawMessage(strconv.Quote(until.UTC().Format(time.RFC3339Nano)))
	}
	return json.Marshal(fields)
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
