package renew_test

// Two tabs at the same moment, for real: two engines in two goroutines over one journal, either on one
// ponte-host (two tabs of a browser) or on two host processes sharing the journal folder (two browser
// profiles, a tab and `ponte renew`). A barrier holds each tab at its first read of the journal until the
// other has read it too, so both always act on the same state — the race happens every run, not by luck —
// and nothing chooses who goes first after it. The end state is checked on the token (pkcs11-tool), the
// CA's books and the journal (checkDone, checkJournalDone).
//
// Before the journal's compare-and-swap and the claim at Begin (issue #14), these failed about half the
// runs: two tabs resuming one record both acted (two CNS0 objects on one key; once no CNS certificate at
// all, I1), and two RINNOVA both passed the "renewal open" check (two keys, two kur, two issuances).

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

func TestTwoTabsRunOneRecordAtOnce(t *testing.T)      { twoTabsRunOneRecord(t, false) }
func TestTwoHostsRunOneRecordAtOnce(t *testing.T)     { twoTabsRunOneRecord(t, true) }
func TestTwoTabsBeginAtOnce(t *testing.T)             { twoTabsBegin(t, false) }
func TestTwoHostsBeginAtOnce(t *testing.T)            { twoTabsBegin(t, true) }
func TestTwoHostsAbandonRacingARun(t *testing.T)      { abandonRacingARun(t, true) }
func TestTwoTabsAbandonRacingARunAtOnce(t *testing.T) { abandonRacingARun(t, false) }

// twoTabsRunOneRecord: the kur's answer is lost (the CA issued and charged), then two tabs load the same
// record and press RIPRENDI together. Exactly one goes on and finishes; the other is told the renewal runs
// elsewhere (RENEWAL_BUSY, retriable) and touched nothing. One renewal, one issuance, one charge, no orphan
// key, the journal done (I1, I3, I4).
func twoTabsRunOneRecord(t *testing.T, twoHosts bool) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	id := f.begin(e)
	tabs := f.tabs(twoHosts, "load", 1)
	recs := f.loadTwice(id)
	errs := bothTabs(func(i int, ctx context.Context) error { return tabs[i].Run(ctx, recs[i]) })
	winner := f.oneWinner(recs, errs)
	f.logState()
	f.checkDone(recs[winner])
	f.checkJournalDone(id)
}

// twoTabsBegin: two tabs press RINNOVA on the same certificate together, both past the "renewal open"
// check (the barrier holds each after its journal read). Exactly one renewal begins: the other gets
// RENEWAL_BUSY before it made a key or sent anything. The card ends renewed once: one CNS certificate on
// its key, no extra key, one issuance, one charge, one record in the journal (I1, I3, I4).
func twoTabsBegin(t *testing.T, twoHosts bool) {
	f := newFaultWorld(t, 0)
	tabs := f.tabs(twoHosts, "list", 2) // Begin lists the journal to prune it, then for an open renewal
	var recs [2]*renew.Renewal
	errs := bothTabs(func(i int, ctx context.Context) error {
		r, err := tabs[i].Begin(ctx, f.info, f.old)
		recs[i] = r
		return err
	})
	winner := f.oneWinner(recs, errs)
	if loser := recs[1-winner]; loser != nil {
		t.Fatalf("the losing tab has a renewal record (step %s):\n%s", loser.Step, renew.DiagnosticLog(loser))
	}
	f.logState()
	f.checkDone(recs[winner])
	f.checkJournalDone(recs[winner].ID)
	all, err := f.journal.List()
	if err != nil || len(all) != 1 {
		t.Fatalf("journal after two RINNOVA: %d records (%v), want 1", len(all), err)
	}
}

// abandonRacingARun: the kur's answer is lost (the CA issued and charged); tab 1 presses RIPRENDI while
// tab 2 presses ANNULLA IL RINNOVO on the same record, together. One of them goes on, the other is told it
// runs elsewhere; whichever won, the card and the CA agree: renewed once and charged once, or left as it
// was with no new key, nothing counted and the charge refunded (I1–I4).
func abandonRacingARun(t *testing.T, twoHosts bool) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	id := f.begin(e)
	tabs := f.tabs(twoHosts, "load", 1)
	recs := f.loadTwice(id)
	errs := bothTabs(func(i int, ctx context.Context) error {
		if i == 0 {
			return tabs[i].Run(ctx, recs[i])
		}
		return tabs[i].Abandon(ctx, recs[i])
	})
	for i := range recs {
		t.Logf("tab %d: %v (step %s)\n%s", i+1, errs[i], recs[i].Step, renew.DiagnosticLog(recs[i]))
	}
	busy := 0
	for _, err := range errs {
		if renew.CodeOf(err) == string(protocol.ErrRenewalBusy) {
			busy++
		}
	}
	if busy != 1 {
		t.Fatalf("%d tabs were told the renewal runs elsewhere, want exactly 1: %v, %v", busy, errs[0], errs[1])
	}
	f.logState()
	saved, err := f.journal.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	switch saved.Step {
	case renew.StepDone:
		f.checkDone(saved)
	case renew.StepFailed:
		f.checkUnchanged()
		if saved.Failure == nil || saved.Failure.Code != renew.CodeAbandoned {
			t.Fatalf("the journal's record failed without being abandoned: %+v", saved.Failure)
		}
	default:
		t.Fatalf("the journal's record is left at %s", saved.Step)
	}
}

// tabs returns two renewal engines as two tabs have them: both on the current ponte-host, or the second
// on a host process of its own over the same token and journal folder. Each tab's journal holds it at
// its nth "load" or "list" until the other tab got there too (bounded: a tab that never arrives releases
// the other after a minute, and the test's checks then fail on what happened).
func (f *faultWorld) tabs(twoHosts bool, at string, nth int) [2]*renew.Engine {
	tabs := [2]*renew.Engine{f.engine(30 * time.Second), f.engine(30 * time.Second)}
	if twoHosts {
		h, card := f.connect(f.t, f.hostBin)
		tabs[1].Card, tabs[1].Journal = card, renew.HostJournal{Host: h, Ctx: context.Background()}
	}
	b := &barrier{n: 2, all: make(chan struct{})}
	for _, e := range tabs {
		e.Journal = &barrierJournal{Journal: e.Journal, b: b, at: at, nth: nth}
	}
	return tabs
}

// loadTwice is the record as each of two tabs loads it when RIPRENDI or ANNULLA is pressed.
func (f *faultWorld) loadTwice(id string) (recs [2]*renew.Renewal) {
	f.t.Helper()
	for i := range recs {
		r, err := f.journal.Load(id)
		if err != nil {
			f.t.Fatal(err)
		}
		recs[i] = r
	}
	return recs
}

// bothTabs runs act for tab 0 and tab 1 at once, each bounded by two minutes, and returns their errors.
func bothTabs(act func(i int, ctx context.Context) error) [2]error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs [2]error
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

// oneWinner: exactly one tab finished the renewal; the other was refused with RENEWAL_BUSY, retriable.
// It returns the winner's index.
func (f *faultWorld) oneWinner(recs [2]*renew.Renewal, errs [2]error) int {
	f.t.Helper()
	winner := -1
	for i, r := range recs {
		f.t.Logf("tab %d: %v", i+1, errs[i])
		if r != nil {
			f.t.Logf("tab %d at %s:\n%s", i+1, r.Step, renew.DiagnosticLog(r))
		}
		if errs[i] == nil && r != nil && r.Step == renew.StepDone {
			if winner >= 0 {
				f.t.Fatalf("both tabs ran the renewal to its end")
			}
			winner = i
		}
	}
	if winner < 0 {
		f.t.Fatalf("neither tab finished the renewal: %v, %v", errs[0], errs[1])
	}
	var fl *renew.Failure
	loser := errs[1-winner]
	if renew.CodeOf(loser) != string(protocol.ErrRenewalBusy) || !errors.As(loser, &fl) || !fl.Retriable ||
		!strings.Contains(fl.Text(extension.Catalog("it")), "già in corso in un'altra scheda") {
		f.t.Fatalf("the other tab's answer: %v, want RENEWAL_BUSY (retriable, in words)", loser)
	}
	return winner
}

// checkUnchanged: the card as before the renewal (the old CNS certificate on its key, as many private
// keys), nothing counted at the CA (the certificate it issued was rejected: it does not consume the
// allowance, I2) and the account as before (refunded, I3).
func (f *faultWorld) checkUnchanged() {
	f.t.Helper()
	if _, now := f.cert(f.t, "cns"); now.ID != f.old.ID {
		f.t.Fatalf("the card's CNS certificate is on key %s, not the old %s", now.ID, f.old.ID)
	}
	if n := f.privateKeys(); n != f.keys {
		f.t.Fatalf("%d private keys on the card, %d before the renewal:\n%s", n, f.keys, f.objects())
	}
	oldX, err := x509.ParseCertificate(f.old.DER)
	if err != nil {
		f.t.Fatal(err)
	}
	if n, err := f.bed.CA.Store.ConfirmedRenewals(context.Background(), ca.SerialHex(oldX.SerialNumber)); err != nil || n != 0 {
		f.t.Fatalf("the CA counts %d renewals of the old certificate (%v), want 0", n, err)
	}
	if b := balanceOf(f.t, f.world); b != f.balance {
		f.t.Fatalf("account balance %d, want %d as before the renewal", b, f.balance)
	}
}

// barrier lets n tabs through once all n arrived, or after a minute.
type barrier struct {
	mu      sync.Mutex
	n       int
	all     chan struct{}
	arrived int
}

func (b *barrier) wait() {
	b.mu.Lock()
	if b.arrived++; b.arrived == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-time.After(time.Minute):
	}
}

// barrierJournal stops at the barrier after its nth Load or List ("load", "list"): the tab has read the
// journal and acts on what it read only once the other tab has read it too.
type barrierJournal struct {
	renew.Journal
	b     *barrier
	at    string
	nth   int
	calls int
}

func (j *barrierJournal) Load(id string) (*renew.Renewal, error) {
	r, err := j.Journal.Load(id)
	j.arrive("load")
	return r, err
}

func (j *barrierJournal) List() ([]*renew.Renewal, error) {
	all, err := j.Journal.List()
	j.arrive("list")
	return all, err
}

// arrive counts a read of kind op (one tab's engine reads from one goroutine) and waits at the nth.
func (j *barrierJournal) arrive(op string) {
	if op != j.at {
		return
	}
	if j.calls++; j.calls == j.nth {
		j.b.wait()
	}
}

// logState logs the token's objects (pkcs11-tool), the CA's renewals of the old certificate and the
// balance, so a failure shows all of the damage and not only the first check that failed.
func (f *faultWorld) logState() {
	f.t.Helper()
	oldX, err := x509.ParseCertificate(f.old.DER)
	if err != nil {
		f.t.Fatal(err)
	}
	n, err := f.bed.CA.Store.Renewals(context.Background(), ca.SerialHex(oldX.SerialNumber))
	list := f.objects()
	f.t.Logf("CA renewals of the old certificate: %d (%v); balance %d (before %d); private keys %d (before %d); certificates %d\n%s",
		n, err, balanceOf(f.t, f.world), f.balance, strings.Count(list, "Private Key Object"), f.keys,
		strings.Count(list, "Certificate Object"), list)
}
