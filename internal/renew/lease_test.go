package renew_test

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// TestLeaseHoldsARenewalMidStep: tab 1 begins a renewal and is inside its key generation when tab 2 loads
// the journal's record (saved by tab 1 before the keygen) and presses RIPRENDI. Without the lease tab 2
// would take over at the right version and generate the key at the same time. With it: tab 2 is answered
// RENEWAL_BUSY and changed nothing. Tab 1 goes on, its kur's answer is lost and it stops retriably; the
// stop releases the lease, and tab 2's RIPRENDI at once finishes the renewal: one new key, one issuance,
// one charge (I1, I3, I4), the journal done.
func TestLeaseHoldsARenewalMidStep(t *testing.T) {
	f := newFaultWorld(t, 0)
	tab1, tab2 := f.engine(30*time.Second), f.engine(30*time.Second)
	tab1.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	held, done := f.beginHeld(tab1)
	id, before := f.onlyRecord()
	if before.Owner == "" || before.Stopped || before.Step != string(renew.StepKeygen) || before.LeaseUntil.IsZero() {
		t.Fatalf("the record saved before the keygen holds no lease: %+v", before)
	}
	if err := f.resume(tab2, id); renew.CodeOf(err) != string(protocol.ErrRenewalBusy) {
		t.Fatalf("tab 2's RIPRENDI while tab 1 generates the key: %v, want %s", err, protocol.ErrRenewalBusy)
	}
	if _, after := f.onlyRecord(); after.Version != before.Version || after.Owner != before.Owner {
		t.Fatalf("the refused take-over changed the record: %+v, was %+v", after, before)
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys after the refused take-over, %d before", n, f.keys)
	}
	held.release <- nil // tab 1 generates the key itself and goes on
	err := <-done
	var fl *renew.Failure
	if !errors.As(err, &fl) || !fl.Retriable {
		t.Fatalf("tab 1 after its kur's answer was lost: %v, want a retriable stop", err)
	}
	if _, stopped := f.onlyRecord(); stopped.Owner != before.Owner || !stopped.Stopped || !stopped.LeaseUntil.IsZero() {
		t.Fatalf("tab 1 stopped but still holds the renewal: %+v", stopped)
	}
	if err := f.resume(tab2, id); err != nil {
		t.Fatalf("tab 2's RIPRENDI once tab 1 stopped: %v", err)
	}
	f.checkFinished(id)
	if _, last := f.onlyRecord(); !last.Stopped || !last.LeaseUntil.IsZero() {
		t.Fatalf("a finished renewal still holds a lease: %+v", last)
	}
}

// TestLeaseOfACrashedTabEnds: tab 1, on a host of its own whose leases last leaseForTest, is inside its key
// generation when its host is killed (the tab and its host gone: nothing releases the lease). Tab 2's
// RIPRENDI on another host is refused while the lease lasts, then takes the renewal over and finishes it:
// one new key, one issuance, one charge, the journal done.
func TestLeaseOfACrashedTabEnds(t *testing.T) {
	const leaseForTest = 10 * time.Second
	f := newFaultWorld(t, 0)
	env := f.env
	f.env = append(append([]string(nil), env...), "PONTE_JOURNAL_LEASE="+leaseForTest.String())
	h1, card1 := f.connect(t, f.hostBin)
	f.env = env
	tab1 := f.engine(30 * time.Second)
	tab1.Journal = renew.HostJournal{Host: h1, Ctx: context.Background()}
	tab1.Card = card1
	held, done := f.beginHeld(tab1)
	if err := h1.Kill(); err != nil {
		t.Fatal(err)
	}
	h1.Close()
	held.release <- errors.New("the tab crashed")
	if err := <-done; err == nil {
		t.Fatal("tab 1 finished on a killed host")
	}
	id, crashed := f.onlyRecord()
	if crashed.Stopped || crashed.LeaseUntil.IsZero() {
		t.Fatalf("the crashed tab's record holds no lease: %+v", crashed)
	}
	tab2 := f.engine(30 * time.Second)
	start := time.Now()
	err := f.resume(tab2, id)
	if time.Now().Before(crashed.LeaseUntil) { // the machine was not slower than the lease
		if renew.CodeOf(err) != string(protocol.ErrRenewalBusy) {
			t.Fatalf("RIPRENDI within the crashed tab's lease (until %s, tried at %s): %v", crashed.LeaseUntil, start, err)
		}
		if _, after := f.onlyRecord(); after.Version != crashed.Version {
			t.Fatalf("the refused take-over changed the record: %+v", after)
		}
		time.Sleep(time.Until(crashed.LeaseUntil) + 100*time.Millisecond)
		err = f.resume(tab2, id)
	} else {
		t.Logf("RIPRENDI came after the lease ended (%s): its refusal is not checked on this run", time.Since(crashed.LeaseUntil))
	}
	if err != nil {
		t.Fatalf("RIPRENDI once the crashed tab's lease ended: %v", err)
	}
	f.checkFinished(id)
}

// beginHeld presses RINNOVA in tab e, whose card holds its key generation (heldKeygen), and returns once
// the tab is inside it (bounded by two minutes); done gets Begin's error.
func (f *faultWorld) beginHeld(e *renew.Engine) (held *heldKeygen, done chan error) {
	f.t.Helper()
	held = &heldKeygen{Card: e.Card, in: make(chan struct{}), release: make(chan error)}
	e.Card, done = held, make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, err := e.Begin(ctx, f.info, f.old)
		done <- err
	}()
	select {
	case <-held.in:
	case err := <-done:
		f.t.Fatalf("tab ended before its key generation: %v", err)
	case <-time.After(2 * time.Minute):
		f.t.Fatal("tab never reached its key generation")
	}
	return held, done
}

// checkFinished: the journal's record of id is done, and the token and the CA show one renewal (checkDone).
func (f *faultWorld) checkFinished(id string) {
	f.t.Helper()
	f.logState()
	saved, err := f.journal.Load(id)
	if err != nil {
		f.t.Fatal(err)
	}
	f.checkDone(saved)
	f.checkJournalDone(id)
}

// heldKeygen is a card whose key generation signals in and waits for release (or the caller's bound): a
// tab caught mid-step.
type heldKeygen struct {
	renew.Card
	in      chan struct{}
	release chan error
}

func (c *heldKeygen) GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error) {
	close(c.in)
	select {
	case err := <-c.release:
		if err != nil {
			return "", nil, err
		}
	case <-ctx.Done(): // a test that failed before releasing it: Begin's bound
		return "", nil, ctx.Err()
	}
	return c.Card.GenerateKey(ctx, bits, label, alwaysAuth)
}

// leaseOf is what ponte-host stored of a record's lease, read raw from journal-list (leaseUntil is the
// host's and not part of renew.Renewal).
type leaseOf struct {
	Version    int64     `json:"version"`
	Step       string    `json:"step"`
	Owner      string    `json:"owner"`
	Stopped    bool      `json:"stopped"`
	LeaseUntil time.Time `json:"leaseUntil"`
}

// onlyRecord is the journal's one record, as ponte-host stored it.
func (f *faultWorld) onlyRecord() (string, leaseOf) {
	f.t.Helper()
	var res protocol.JournalListResult
	if err := f.host.Call(context.Background(), protocol.CmdJournalList, nil, &res); err != nil || len(res.Records) != 1 {
		f.t.Fatalf("journal: %d records (%v), want 1", len(res.Records), err)
	}
	for id, raw := range res.Records {
		var l leaseOf
		if err := json.Unmarshal(raw, &l); err != nil {
			f.t.Fatal(err)
		}
		return id, l
	}
	panic("unreachable")
}

// resume is RIPRENDI in tab e: the journal's record loaded, then Run, bounded by two minutes.
func (f *faultWorld) resume(e *renew.Engine, id string) error {
	f.t.Helper()
	r, err := f.journal.Load(id)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return e.Run(ctx, r)
}
