package renew_test

// Session 6's phase-2 attacks on the journal's compare-and-swap and claim (issue #14): three writers, not
// two — three host processes over one journal folder (three browser profiles, or tabs and `ponte renew`),
// each engine with its own host and PIN login, all pressing the same button at once. No barrier: the
// goroutines start together and the kernel's scheduling decides. Judged from the token (pkcs11-tool), the
// CA's books and the journal.

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// threeHosts is one engine on the world's host and one on each of two more host processes.
func (f *faultWorld) threeHosts() [3]*renew.Engine {
	var es [3]*renew.Engine
	for i := range es {
		es[i] = f.engine(30 * time.Second)
		if i > 0 {
			h, card := f.connect(f.t, f.hostBin)
			es[i].Card, es[i].Journal = card, renew.HostJournal{Host: h, Ctx: context.Background()}
		}
	}
	return es
}

// allAtOnce runs act for the three engines together and returns their errors.
func allAtOnce(act func(i int, ctx context.Context) error) [3]error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var errs [3]error
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = act(i, ctx)
		}()
	}
	wg.Wait()
	return errs
}

// oneOfThree: exactly one engine finished; each other one stopped with a retriable failure (RENEWAL_BUSY,
// or a renewal already open). It returns the winner.
func (f *faultWorld) oneOfThree(recs [3]*renew.Renewal, errs [3]error) *renew.Renewal {
	f.t.Helper()
	var winner *renew.Renewal
	for i := range errs {
		f.t.Logf("writer %d: %v", i+1, errs[i])
		if errs[i] == nil && recs[i] != nil && recs[i].Step == renew.StepDone {
			if winner != nil {
				f.t.Fatalf("two writers ran the renewal to its end")
			}
			winner = recs[i]
			continue
		}
		var fl *renew.Failure
		// renewal-open is final for that press (the holder resumes the open renewal), and as right an answer
		// as RENEWAL_BUSY for a RINNOVA that read the journal after the winner's first save.
		if !errors.As(errs[i], &fl) || (!fl.Retriable && fl.Code != renew.CodeRenewalOpen) {
			f.t.Fatalf("writer %d lost with a final failure: %v", i+1, errs[i])
		}
	}
	if winner == nil {
		f.t.Fatalf("no writer finished: %v", errs)
	}
	return winner
}

// TestThreeHostsBeginAtOnce (I1, I3, I4): three host processes press RINNOVA on the same certificate at
// once. One renewal: one CNS certificate on its new key, no extra key, one issuance, one charge, one
// record in the journal.
func TestThreeHostsBeginAtOnce(t *testing.T) {
	f := newFaultWorld(t, 0)
	es := f.threeHosts()
	var recs [3]*renew.Renewal
	errs := allAtOnce(func(i int, ctx context.Context) error {
		r, err := es[i].Begin(ctx, f.info, f.old)
		recs[i] = r
		return err
	})
	winner := f.oneOfThree(recs, errs)
	for i, r := range recs {
		if r != nil && r != winner {
			t.Fatalf("writer %d lost but has a renewal record (step %s)", i+1, r.Step)
		}
	}
	f.checkDone(winner)
	f.checkJournalDone(winner.ID)
	if all, err := f.journal.List(); err != nil || len(all) != 1 {
		t.Fatalf("journal after three RINNOVA: %d records (%v), want 1", len(all), err)
	}
}

// TestThreeHostsResumeAtOnce (I1, I3, I4): the kur's answer is lost (the CA issued and charged); three host
// processes load the record and press RIPRENDI at once. One goes on; the card ends renewed once, one
// charge, the journal done.
func TestThreeHostsResumeAtOnce(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	id := f.begin(e)
	es := f.threeHosts()
	var recs [3]*renew.Renewal
	for i := range recs {
		r, err := f.journal.Load(id)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	errs := allAtOnce(func(i int, ctx context.Context) error { return es[i].Run(ctx, recs[i]) })
	winner := f.oneOfThree(recs, errs)
	f.checkDone(winner)
	f.checkJournalDone(id)
	for i, err := range errs {
		if err != nil && renew.CodeOf(err) != string(protocol.ErrRenewalBusy) {
			t.Errorf("writer %d: %v, want RENEWAL_BUSY", i+1, err)
		}
	}
}

// TestJournalPutFromAnEarlierVersion: an extension from before the journal's versions (its engine saves
// records without "version") talks to this ponte-host, e.g. Firefox's extension not yet updated beside
// Chrome's. The host cannot compare-and-swap such a record and refuses it; the refusal must say what to do
// — update (VERSION_MISMATCH, "aggiornare entrambi") — not an internal error, and write nothing.
func TestJournalPutFromAnEarlierVersion(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := []byte(`{"id":"0123456789abcdef01234567","profile":"p","card":"c","step":"start","log":[]}`)
	err := f.host.Call(ctx, protocol.CmdJournalPut, protocol.JournalPut{ID: "0123456789abcdef01234567", Record: rec}, nil)
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != protocol.ErrVersionMismatch {
		t.Fatalf("a record without a version: %v, want VERSION_MISMATCH", err)
	}
	if all, err := f.journal.List(); err != nil || len(all) != 0 {
		t.Fatalf("the refused record is in the journal: %d records (%v)", len(all), err)
	}
}
