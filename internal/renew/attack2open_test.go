//go:build attack2open

package renew_test

// OPEN DEFECT (issue #14), found by session 6's attack and left to the journal's rewrite (branch tabs owns
// the journal store and its records): a damaged journal record of an open renewal leaves the first
// renewal's key on the card for ever (I4). Behind the attack2open tag so the branch stays green; run with
//   nice go test -tags attack2open ./internal/renew -run TestDamagedJournalRecord -count=1 -v
// Both cases fail the same way on 689e598: the second RINNOVA is done (the CA superseded the first
// issuance: revoked, refunded), and the card keeps the key "ponte-<first id>" without a certificate.
//   - truncated: host/store.List skips a file that is not JSON, so nobody learns its id (the key's label);
//   - other-version: a record with a field this version does not know is valid JSON, reaches the engine,
//     and renew.DecodeRenewal (DisallowUnknownFields) drops it in HostJournal.List: the open renewal is
//     invisible, Begin's OpenFor lets a second one start.
// The fix to build: journal-list also returns the ids of the records it could not read (damaged, or of a
// later version); the card list shows them ("registro illeggibile") and Begin refuses a new renewal while
// one exists for the card, offering Annulla, which deletes by the label "ponte-<id>" (ponte-host already
// refuses to delete a key that has a certificate) and removes the record; a record of a later version is
// not resumed by an earlier one (its version field says so) but blocks a second renewal of its card.

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
)

// TestDamagedJournalRecord (I3, I4): an open renewal's record is damaged after the CA issued (its answer
// lost: the new key is on the card, the account charged) — cut short by a crash of the disk, or written by
// another version of Ponte with a field this one does not know. The holder then presses RINNOVA again.
// Whatever the engine does, the end state must keep the invariants: one CNS certificate with its key,
// no key left behind by the first renewal, one charge.
func TestDamagedJournalRecord(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"other-version", func(b []byte) []byte { return append([]byte(`{"version":2,`), b[1:]...) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFaultWorld(t, 0)
			e := f.engine(30 * time.Second)
			e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
			id := f.begin(e)
			p := filepath.Join(f.bed.Dir, "state", "ponte", "renewals", id+".json")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, c.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r, err := f.engine(30*time.Second).Begin(ctx, f.info, f.old)
			t.Logf("RINNOVA again with the first record damaged: %v", err)
			if err == nil {
				f.checkDone(r) // one CNS certificate on the new key, as many keys as before, one charge
				return
			}
			// Refused: the card must be usable, and the first renewal's key must not be left for ever.
			f.checkUsableCNS()
			if n := f.privateKeys(); n != f.keys {
				t.Fatalf("I4: refused, and %d private keys on the card, %d before:\n%s", n, f.keys, f.objects())
			}
		})
	}
}
