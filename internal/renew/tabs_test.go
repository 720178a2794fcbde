//go:build tabsrace

package renew_test

// Two tabs at the same moment, for real: two engines in two goroutines over one host's journal, without a
// hook choosing who goes first. The end state is checked on the token (pkcs11-tool), the CA's books and the
// journal (checkDone, checkJournalDone), whichever tab won.
//
// OPEN DEFECT (issue #14): the journal put has no compare-and-swap and nothing claims a certificate's
// renewal atomically, so two tabs both act. On integ f66c4a1 both tests failed about half the runs:
//   - TestTwoTabsRunOneRecordAtOnce: the new certificate was written to the card twice (two CNS0 objects on
//     the same key); one issuance, one charge, no orphan key. Since 131b59c (writing a certificate already
//     on its key is a no-op) it passed 25 runs of 26; the one failure left NO CNS certificate on the card
//     (I1 broken; its log was not kept, cause not found — likely one tab's rollback or cleanup racing the
//     other's write).
//   - TestTwoTabsBeginAtOnce: two keys made, two kur sent, the CA issues twice (Renewals 2); the loser's
//     certConf is refused (superseded), its reject cannot be signed (the winner removed the old key), so
//     its certificate stays issued and unconfirmed at the CA; its key is rolled back; one charge.
// They sit behind the tabsrace tag so the branch stays green until the fix (a per-record version checked by
// the host on journal-put, and a per-certificate claim at Begin) lands; run them with
//   nice go test -tags tabsrace ./internal/renew -run TestTwoTabs -count=4 -v

import (
	"context"
	"crypto/x509"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/renew"
)

// TestTwoTabsRunOneRecordAtOnce: the kur's answer is lost (the CA issued and charged), then two tabs load
// the same record and press RIPRENDI together. One renewal, one issuance, one charge, no orphan key, the
// journal done (I1, I3, I4).
func TestTwoTabsRunOneRecordAtOnce(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	id := f.begin(e)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var recs [2]*renew.Renewal
	var errs [2]error
	for i := range recs {
		r, err := f.journal.Load(id)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	var wg sync.WaitGroup
	for i := range recs {
		eng := f.engine(30 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = eng.Run(ctx, recs[i])
		}()
	}
	wg.Wait()
	var done *renew.Renewal
	for i, r := range recs {
		t.Logf("tab %d: %v (step %s)\n%s", i+1, errs[i], r.Step, renew.DiagnosticLog(r))
		if errs[i] == nil && r.Step == renew.StepDone {
			done = r
		}
	}
	if done == nil {
		t.Fatalf("neither tab finished the renewal: %v, %v", errs[0], errs[1])
	}
	f.logState()
	f.checkDone(done)
	f.checkJournalDone(id)
}

// TestTwoTabsBeginAtOnce: two tabs press RINNOVA on the same certificate together (both checks for an open
// renewal may read the journal before either record is written). The card ends renewed once: one CNS
// certificate on its key, no extra key, one issuance, one charge (I1, I3, I4).
func TestTwoTabsBeginAtOnce(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var recs [2]*renew.Renewal
	var errs [2]error
	var wg sync.WaitGroup
	for i := range recs {
		eng := f.engine(30 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i], errs[i] = eng.Begin(ctx, f.info, f.old)
		}()
	}
	wg.Wait()
	var done *renew.Renewal
	for i, r := range recs {
		t.Logf("tab %d: %v", i+1, errs[i])
		if r != nil {
			t.Logf("%s", renew.DiagnosticLog(r))
			if errs[i] == nil && r.Step == renew.StepDone {
				done = r
			}
		}
	}
	if done == nil {
		t.Fatalf("neither tab finished the renewal: %v, %v", errs[0], errs[1])
	}
	f.logState()
	f.checkDone(done)
	f.checkJournalDone(done.ID)
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
