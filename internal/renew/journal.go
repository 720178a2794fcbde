package renew

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ponte-it/ponte/internal/atomicfile"
	"github.com/ponte-it/ponte/internal/protocol"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Journal keeps renewals across sessions. Save must be atomic: after a crash the journal holds either the
// previous or the new record, never half of one. Save stamps the record (stamp): its next version and its
// claim; on failure the record keeps its version. HostJournal's Save is a compare-and-swap on that version.
type Journal interface {
	Save(r *Renewal) error
	Load(id string) (*Renewal, error)
	List() ([]*Renewal, error)
	Delete(id string) error
}

// Prune removes the finished records Prunable names (open renewals are never pruned) and returns how
// many went. Called when a renewal begins, so the journal stays bounded without a timer.
func Prune(j Journal, now time.Time) (int, error) {
	all, err := j.List()
	if err != nil {
		return 0, err
	}
	ids := Prunable(all, now)
	for _, id := range ids {
		if err := j.Delete(id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// ErrNotFound is returned by Load for an unknown renewal.
var ErrNotFound = errors.New("rinnovo non trovato nel registro / renewal not found in the journal")

// FileJournal stores one JSON file per renewal in a folder (the `ponte` command line and tests; the
// extension keeps the same records in chrome.storage.local).
type FileJournal struct{ Dir string }

func (j FileJournal) path(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return "", fmt.Errorf("renew: bad renewal id %q", id)
	}
	return filepath.Join(j.Dir, id+".json"), nil
}

// Save writes the record atomically. It stamps versions as HostJournal does but does not compare them:
// one process writes a FileJournal (tests); ponte-host's store is the one shared between processes.
func (j FileJournal) Save(r *Renewal) error {
	p, err := j.path(r.ID)
	if err != nil {
		return err
	}
	unstamp := stamp(r)
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = atomicfile.WriteFile(p, b, 0o600)
	}
	if err != nil {
		unstamp()
	}
	return err
}

// stamp prepares r for a save: the next version, and the claim of its certificate while it is open. The
// returned func puts the version back when the save did not happen, so the record still names the
// version the journal holds.
func stamp(r *Renewal) (undo func()) {
	prev := r.Version
	r.Version++
	r.Claim = claimOf(r)
	return func() { r.Version = prev }
}

// claimOf is what an open renewal claims: its certificate (the digest of the DER being renewed), so that
// no second renewal of the same certificate can begin while it is open (Begin, host/store Put).
func claimOf(r *Renewal) string {
	if r.Step.Terminal() {
		return ""
	}
	sum := sha256.Sum256(r.OldCert)
	return "cert-" + hex.EncodeToString(sum[:16])
}

// Load reads one record.
func (j FileJournal) Load(id string) (*Renewal, error) {
	p, err := j.path(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	return DecodeRenewal(b)
}

// Delete removes a record; one already gone is not an error.
func (j FileJournal) Delete(id string) error {
	p, err := j.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// List returns every record, oldest first.
func (j FileJournal) List() ([]*Renewal, error) {
	entries, err := os.ReadDir(j.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Renewal
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		r, err := j.Load(strings.TrimSuffix(name, ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.Before(out[b].Started) })
	return out, nil
}

// DecodeRenewal parses a journal record strictly.
func DecodeRenewal(b []byte) (*Renewal, error) {
	var r Renewal
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("registro del rinnovo illeggibile / unreadable renewal record: %w", err)
	}
	if r.ID == "" || r.Step == "" {
		return nil, errors.New("registro del rinnovo incompleto / incomplete renewal record")
	}
	return &r, nil
}

// Entry is one line of the renewal's diagnostic log (what "Scarica log" downloads). It holds steps, codes
// and CA answers — never a PIN or PUK, which the engine never has in a field it could write.
type Entry struct {
	Time   time.Time `json:"time"`
	Step   Step      `json:"step"`
	Event  string    `json:"event"`
	Detail string    `json:"detail,omitempty"`
}

// maxLog bounds a record's log so it always fits the host's record limit.
const maxLog = 120

// HostJournal keeps the records in ponte-host's store (journal-put / journal-list), which the extension,
// the local app and `ponte renew` share.
type HostJournal struct {
	Host interface {
		Call(ctx context.Context, command string, params, result any) error
	}
	Ctx context.Context
}

func (j HostJournal) Save(r *Renewal) error {
	if len(r.Log) > maxLog {
		r.Log = append(r.Log[:1:1], r.Log[len(r.Log)-maxLog+1:]...)
	}
	unstamp := stamp(r)
	b, err := json.Marshal(r)
	if err == nil {
		err = j.Host.Call(j.Ctx, protocol.CmdJournalPut, protocol.JournalPut{ID: r.ID, Record: b}, nil)
	}
	if err != nil {
		unstamp()
	}
	return err
}

func (j HostJournal) List() ([]*Renewal, error) {
	var res protocol.JournalListResult
	if err := j.Host.Call(j.Ctx, protocol.CmdJournalList, nil, &res); err != nil {
		return nil, err
	}
	var out []*Renewal
	for _, b := range res.Records {
		r, err := DecodeRenewal(b)
		if err != nil {
			continue // a record from another version or damaged: not resumable, not fatal
		}
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.Before(out[b].Started) })
	return out, nil
}

func (j HostJournal) Delete(id string) error {
	return j.Host.Call(j.Ctx, protocol.CmdJournalDelete, protocol.JournalDelete{ID: id}, nil)
}

func (j HostJournal) Load(id string) (*Renewal, error) {
	all, err := j.List()
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// EarlyRecord stands for a renewal that failed before its first journal record, so "Scarica log" works
// for it too: the profile, the card and the failure as the screen had them.
func EarlyRecord(profile, card string, f *Failure, now time.Time) *Renewal {
	r := &Renewal{ID: "nessun-registro-" + now.UTC().Format("20060102T150405Z"), Profile: profile, Card: card, Step: StepStart, Failure: f, Started: now, Updated: now}
	detail := "failed before the first journal record"
	if f != nil {
		detail += ": " + f.Code
	}
	r.Log = []Entry{{Time: now, Step: StepStart, Event: "error", Detail: detail}}
	return r
}

// DiagnosticLog is the text "Scarica log" saves for support: versions, card family, steps, codes and the
// CA's answers. It is built from the journal record, which never holds a PIN or PUK.
func DiagnosticLog(r *Renewal, versions ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Ponte — registro del rinnovo / renewal log %s\n", r.ID)
	for _, v := range versions {
		fmt.Fprintf(&b, "versione / version: %s\n", v)
	}
	fmt.Fprintf(&b, "profilo / profile: %s\ntessera / card: %s (%s)\ncertificato / certificate: %s, %s\nstato / state: %s\n",
		r.Profile, r.Card, r.Family, r.Role, r.Mode, r.Step)
	if r.Failure != nil {
		fmt.Fprintf(&b, "errore / error: %s — %s / %s (%s)\n", r.Failure.Code, r.Failure.IT, r.Failure.EN, r.Failure.Detail)
	}
	if r.Tx != nil {
		fmt.Fprintf(&b, "transazione CMP / CMP transaction: %x\n", r.Tx.TransactionID)
	}
	b.WriteString("\n")
	for _, e := range r.Log {
		fmt.Fprintf(&b, "%s  %-8s %-8s %s\n", e.Time.UTC().Format(time.RFC3339), e.Step, e.Event, e.Detail)
	}
	return b.String()
}
