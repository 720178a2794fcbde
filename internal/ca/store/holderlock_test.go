package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// TestHolderLockProperty: the per-holder locks (backend.go) as a property over generated concurrent
// requests. Three Store handles on one database — three ponte-ca instances — receive, wave after wave,
// six requests at once drawn from a seeded generator: create, issue (each time with a new serial, as a
// retry reaching another instance would), confirm, reject, withdraw a renewal, revoke the renewed
// certificate, sweep the unconfirmed, credit the account. The requests concern two holders (two
// certificates being renewed, allowance 1) that pay from one prepaid account whose balance covers only a
// few renewals, so the same transaction, the same holder and the same balance are raced for across
// instances. After every wave the tables, read with raw SQL, must say: one certificate per transaction
// and none outside one, at most one confirmed and at most one unconfirmed renewal per certificate, none
// unconfirmed on a revoked certificate, one charge per issued transaction, refunded (and its certificate
// revoked) exactly when the renewal ended unused, the balance exactly start + credits − charges kept and
// never below zero, and the audit log one chain that verifies and counts the same issuances, charges and
// refunds. Every refusal must be one of the store's (a unique-key violation would be a lock that failed).
func TestHolderLockProperty(t *testing.T) { eachBackend(t, testHolderLockProperty) }

func testHolderLockProperty(t *testing.T, newURL backendURL) {
	// At least minSeeds sequences, and more (up to maxSeeds) until every outcome of wanted has been met:
	// which request wins a race depends on the interleaving, so the coverage is checked over a bounded
	// number of sequences rather than a fixed one.
	const instances, minSeeds, maxSeeds, waves, perWave, price = 3, 8, 30, 5, 6, 100
	wanted := []string{"issue ok", "confirm ok", "reject ok", "issue " + ErrState.Error(), "issue " + ErrInsufficientBalance.Error(), "withdraw ok", "revoke ok"}
	covered := func(seen map[string]int) bool {
		for _, w := range wanted {
			if seen[w] == 0 {
				return false
			}
		}
		return true
	}
	ctx := context.Background()
	url := newURL(t)
	var st []Store
	for range instances {
		st = append(st, openURL(t, url))
	}
	seen := map[string]int{}
	seed := 0
	for ; seed < maxSeeds && (seed < minSeeds || !covered(seen)); seed++ {
		rnd := rand.New(rand.NewSource(int64(seed)))
		emptyAll(t, st[0])
		start := int64(1+rnd.Intn(2)) * price
		if err := st[0].AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: start}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"p0", "p1"} {
			if err := st[1].PutCert(ctx, cert(p, "")); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		credits := int64(0)
		gen := map[string]int{} // a slot's transaction ended (rejected, superseded…): the next id
		for wave := range waves {
			var wg sync.WaitGroup
			for k := range perWave {
				holder := fmt.Sprintf("p%d", rnd.Intn(2))
				slot := fmt.Sprintf("%st%d", holder, rnd.Intn(3))
				id := fmt.Sprintf("%s-%d", slot, gen[slot])
				op, ended := nextOp(ctx, t, st[0], rnd, id)
				if ended {
					gen[slot]++
					id = fmt.Sprintf("%s-%d", slot, gen[slot])
				}
				s := st[rnd.Intn(instances)]
				serial := fmt.Sprintf("s%d-%d-%d", seed, wave, k)
				wg.Add(1)
				go func() {
					defer wg.Done()
					name, err := holderOp(ctx, s, op, holder, id, serial, price)
					if name == "credit" && err == nil {
						mu.Lock()
						credits += price
						mu.Unlock()
					}
					mu.Lock()
					defer mu.Unlock()
					seen[outcome(name, err)]++
					if err != nil && !storeRefusal(err) {
						t.Errorf("seed %d wave %d: %s %s: %v", seed, wave, name, id, err)
					}
				}()
			}
			wg.Wait()
			checkHolderTables(t, st[wave%instances], start+credits, price)
		}
		checkAuditMatches(t, st[seed%instances])
	}
	// The generator must reach the interesting outcomes, or the property proves little.
	for _, want := range wanted {
		if seen[want] == 0 {
			t.Errorf("no %q in %d seeds: %v", want, seed, seen)
		}
	}
}

// nextOp draws a request for transaction id: mostly the one that moves it on from its state as read
// before the wave (so several requests of one wave race for the same step), sometimes any. ended: the
// transaction is over (rejected, superseded, withdrawn…), the request is for a new one in its place.
func nextOp(ctx context.Context, t *testing.T, s Store, rnd *rand.Rand, id string) (op int, ended bool) {
	tx, err := s.Txn(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	ended = err == nil && tx.State != StateWaiting && tx.State != StateIssued && tx.State != StateConfirmed
	switch rnd.Intn(60) {
	case 0:
		return opRevoke, ended // rare: it ends the holder's renewals
	case 1, 2, 3, 4, 5, 6, 7, 8:
		return rnd.Intn(9), ended
	}
	switch {
	case err != nil || ended:
		return 0, ended
	case tx.State == StateWaiting:
		return 2, false
	case tx.State == StateIssued:
		return []int{2, 4, 4, 4, 5, 5, 6, 7}[rnd.Intn(8)], false
	}
	return []int{6, 8}[rnd.Intn(2)], false // confirmed
}

// opRevoke revokes the holder's certificate.
const opRevoke = 9

// holderOp runs generated request op on s and names it.
func holderOp(ctx context.Context, s Store, op int, holder, id, serial string, price int64) (string, error) {
	switch op {
	case 0, 1:
		return "create", s.CreateTxn(ctx, waitingTxn(id, holder, price))
	case 2, 3:
		return "issue", s.Issue(ctx, id, cert(serial, holder), false, 1)
	case 4:
		return "confirm", s.Finish(ctx, id, StateConfirmed, 1)
	case 5:
		return "reject", s.Finish(ctx, id, StateRejected, 1)
	case 6:
		return "withdraw", s.Withdraw(ctx, id, 4)
	case 7:
		_, err := s.CloseUnconfirmed(ctx, time.Now().Add(time.Hour))
		return "sweep", err
	case opRevoke:
		return "revoke", s.Revoke(ctx, holder, 1, time.Now())
	}
	return "credit", s.Credit(ctx, "acc", price)
}

func outcome(name string, err error) string {
	if err == nil {
		return name + " ok"
	}
	return name + " " + err.Error()
}

// storeRefusal: the errors the store answers a request it refuses with.
func storeRefusal(err error) bool {
	for _, e := range []error{ErrState, ErrExists, ErrNotFound, ErrAlreadyRenewed, ErrParentRevoked, ErrInsufficientBalance} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// checkHolderTables asserts the property on the tables; funded is the start balance plus the credits.
func checkHolderTables(t *testing.T, s Store, funded, price int64) {
	t.Helper()
	for _, c := range []struct {
		what, q string
		args    []any
	}{
		{"transactions with more than one certificate", `SELECT count(*) FROM (SELECT t.id FROM transactions t JOIN certs c ON c.serial = t.cert_serial GROUP BY t.id HAVING count(*) > 1) x`, nil},
		{"renewals issued outside any transaction", `SELECT count(*) FROM certs c WHERE c.parent != '' AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.cert_serial = c.serial)`, nil},
		{"certificates with more than one confirmed renewal", `SELECT count(*) FROM (SELECT parent FROM transactions WHERE state = ? AND parent != '' GROUP BY parent HAVING count(*) > 1) x`, []any{StateConfirmed}},
		{"certificates with more than one unconfirmed renewal", `SELECT count(*) FROM (SELECT parent FROM transactions WHERE state = ? AND parent != '' GROUP BY parent HAVING count(*) > 1) x`, []any{StateIssued}},
		// A renewal may still be created on a revoked certificate (the CA refuses it before the store); it
		// is never issued (Issue: ErrParentRevoked).
		{"unconfirmed renewals of a revoked certificate", `SELECT count(*) FROM transactions t JOIN certs p ON p.serial = t.parent WHERE p.revoked_at != 0 AND t.state = ?`, []any{StateIssued}},
		{"issued transactions without exactly one charge", `SELECT count(*) FROM transactions t WHERE t.cert_serial != '' AND (SELECT count(*) FROM charges ch WHERE ch.transaction_id = t.id AND ch.cert_serial = t.cert_serial) != 1`, nil},
		{"charges without an issued transaction", `SELECT count(*) FROM charges ch WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.id = ch.transaction_id AND t.cert_serial != '')`, nil},
		{"charges refunded though kept, or kept though unused", `SELECT count(*) FROM charges ch JOIN transactions t ON t.id = ch.transaction_id WHERE (ch.refunded_at = 0) != (t.state IN (?, ?))`, []any{StateConfirmed, StateIssued}},
		{"renewals valid though unused, or revoked though live", `SELECT count(*) FROM certs c JOIN transactions t ON t.cert_serial = c.serial WHERE (c.revoked_at = 0) != (t.state IN (?, ?))`, []any{StateConfirmed, StateIssued}},
	} {
		if n := dbInt(t, s, c.q, c.args...); n != 0 {
			t.Fatalf("%d %s", n, c.what)
		}
	}
	kept := dbInt(t, s, `SELECT coalesce(sum(amount), 0) FROM charges WHERE refunded_at = 0 AND account = 'acc'`)
	if b := dbInt(t, s, `SELECT balance FROM accounts WHERE id = 'acc'`); b != funded-kept || b < 0 || kept%price != 0 {
		t.Fatalf("balance %d, want %d - %d, never below 0", b, funded, kept)
	}
}

// checkAuditMatches: the log verifies and counts what the tables hold.
func checkAuditMatches(t *testing.T, s Store) {
	t.Helper()
	rep, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events[EventIssue] != dbInt(t, s, `SELECT count(*) FROM certs`) || rep.Events[EventCharge] != dbInt(t, s, `SELECT count(*) FROM charges`) ||
		rep.Events[EventRefund] != dbInt(t, s, `SELECT count(*) FROM charges WHERE refunded_at != 0`) {
		t.Fatalf("audit events %v do not match the tables", rep.Events)
	}
}
