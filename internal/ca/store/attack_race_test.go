package store

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestRacesAcrossInstances (attack, issue #19): the races the per-holder locks must survive, each run
// by different store handles (instances) on one database at once, round after round, then checked on
// the tables with raw SQL:
//   - certConf accept and reject of one transaction at two instances: one outcome, recorded once;
//   - a suspension racing the renewal (issuance and confirmation) of the certificate suspended: a
//     renewal confirmed only before the suspension, else closed and refunded;
//   - the operator revoking a renewal's certificate racing its holder rejecting it (two locks: the
//     certificate's and its parent's): one revocation, one refund;
//   - a refund racing another holder's charge on one account holding exactly one price: never below 0;
//   - two first issuances (ir) paying from one account holding exactly one price: one issued;
//   - four kur of one certificate (allowance 1), each created, issued and confirmed by its own instance:
//     at most one confirmed.
//
// The order each race takes depends on the scheduler; every order must leave the invariants.
func TestRacesAcrossInstances(t *testing.T) { eachBackend(t, testRacesAcrossInstances) }

const racePrice = 300

func testRacesAcrossInstances(t *testing.T, newURL backendURL) {
	ctx := t.Context()
	url := newURL(t)
	h := make([]Store, 4)
	for i := range h {
		h[i] = openURL(t, url)
	}
	s := h[0]
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const funded = 100 * racePrice
	must(s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: funded}))
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	for r := range rounds {
		p := func(name string) string { return fmt.Sprintf("r%d%s", r, name) }
		issued := func(name, account string) { // a renewal of parent p(name), issued, unconfirmed
			t.Helper()
			must(s.PutCert(ctx, cert(p(name), "")))
			tx := waitingTxn(p(name)+"t", p(name), racePrice)
			tx.Account = account
			must(s.CreateTxn(ctx, tx))
			must(s.Issue(ctx, tx.ID, cert(p(name)+"c", p(name)), false, 1))
		}
		// certConf accept and reject at two instances.
		issued("A", "acc")
		raceAll(t,
			func() error { return h[1].Finish(ctx, p("At"), StateConfirmed, 1) },
			func() error { return h[2].Finish(ctx, p("At"), StateRejected, 1) })
		// A suspension racing the renewal.
		must(s.PutCert(ctx, cert(p("B"), "")))
		must(s.CreateTxn(ctx, waitingTxn(p("Bt"), p("B"), racePrice)))
		raceAll(t,
			func() error {
				return h[1].Hold(ctx, HoldRecord{Serial: p("B"), By: p("B"), Holder: "RSSMRA80A01H501U", HeldAt: time.Now(), Until: time.Now().Add(time.Hour)})
			},
			func() error {
				if err := h[2].Issue(ctx, p("Bt"), cert(p("Bc"), p("B")), false, 1); err != nil {
					return err
				}
				return h[3].Finish(ctx, p("Bt"), StateConfirmed, 1)
			})
		if tx, _ := s.Txn(ctx, p("Bt")); tx.State == StateConfirmed {
			confirmed := dbInt(t, s, `SELECT seq FROM audit WHERE event = ? AND transaction_id = ?`, EventConfirm, p("Bt"))
			if held := dbInt(t, s, `SELECT seq FROM audit WHERE event = ? AND serial = ?`, EventSuspend, p("B")); confirmed > held {
				t.Fatalf("round %d: renewal confirmed (record %d) after its certificate was suspended (record %d)", r, confirmed, held)
			}
		}
		// The operator revokes a renewal's certificate while its holder rejects it.
		issued("C", "acc")
		raceAll(t,
			func() error { return h[3].Revoke(ctx, p("Cc"), 1, time.Now()) },
			func() error { return h[0].Finish(ctx, p("Ct"), StateRejected, 1) })
		if n := dbInt(t, s, `SELECT count(*) FROM audit WHERE event = ? AND serial = ?`, EventRevoke, p("Cc")); n != 1 {
			t.Fatalf("round %d: %d revocation records for one certificate", r, n)
		}
		// A refund racing another holder's charge on an account holding one price.
		must(s.AddAccount(ctx, &Account{ID: p("acc"), PasswordHash: "h", Balance: racePrice}))
		issued("D", p("acc"))
		must(s.PutCert(ctx, cert(p("E"), "")))
		e := waitingTxn(p("Et"), p("E"), racePrice)
		e.Account = p("acc")
		must(s.CreateTxn(ctx, e))
		raceAll(t,
			func() error { return h[1].Finish(ctx, p("Dt"), StateRejected, 1) },
			func() error { return h[2].Issue(ctx, p("Et"), cert(p("Ec"), p("E")), false, 1) })
		// Two first issuances from an account holding one price.
		must(s.AddAccount(ctx, &Account{ID: p("ir"), PasswordHash: "h", Balance: racePrice}))
		var firsts []func() error
		for i := range 2 {
			tx := waitingTxn(p(fmt.Sprintf("F%dt", i)), "", racePrice)
			tx.Kind, tx.Account = "ir", p("ir")
			must(s.CreateTxn(ctx, tx))
			firsts = append(firsts, func() error { return h[i+2].Issue(ctx, tx.ID, cert(p(fmt.Sprintf("F%dc", i)), ""), true, 1) })
		}
		if errs := raceAll(t, firsts...); (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: two first issuances from one price: %v", r, errs)
		}
		// Four kur of one certificate, allowance 1, one per instance.
		must(s.PutCert(ctx, cert(p("G"), "")))
		var kurs []func() error
		for i := range h {
			id := p(fmt.Sprintf("G%dt", i))
			kurs = append(kurs, func() error {
				if err := h[i].CreateTxn(ctx, waitingTxn(id, p("G"), racePrice)); err != nil {
					return err
				}
				if err := h[i].Issue(ctx, id, cert(id+"c", p("G")), false, 1); err != nil {
					return err
				}
				return h[i].Finish(ctx, id, StateConfirmed, 1)
			})
		}
		raceAll(t, kurs...)
		checkHolderTables(t, s, funded, racePrice)
		if n := dbInt(t, s, `SELECT count(*) FROM accounts WHERE balance < 0 OR balance != (CASE WHEN id = 'acc' THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)
			- (SELECT coalesce(sum(amount), 0) FROM charges ch WHERE ch.account = accounts.id AND ch.refunded_at = 0)`, funded, racePrice); n != 0 {
			t.Fatalf("round %d: %d accounts whose balance is not what they paid for", r, n)
		}
		checkAuditMatches(t, s)
	}
}

// raceAll runs fs at once and returns their errors; any error other than the store's refusals fails.
func raceAll(t *testing.T, fs ...func() error) []error {
	t.Helper()
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !storeRefusal(err) {
			t.Fatalf("not a refusal: %v", err)
		}
	}
	return errs
}
