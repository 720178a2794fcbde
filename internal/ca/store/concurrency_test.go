package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestInstancesServeOneHolder (invariants I2, I3 across instances; docs/ca-operator-scale.md): four
// Store handles on one database — four ponte-ca instances — serve one holder's renewals at once, round
// after round. In each round six clients create renewals of the holder's current certificate; every
// renewal is issued by two instances at once (a client's retry reaching another instance) with a different
// serial each, then finished by two instances at once, confirming or rejecting. Read straight from the
// tables afterwards: one certificate per issued transaction (never two), at most one confirmed renewal of
// each certificate, one charge per issued transaction, refunded exactly when it was not confirmed, the
// balance exactly the start minus the charges kept, and the audit log one unforked chain that accounts
// for all of it.
func TestInstancesServeOneHolder(t *testing.T) { eachBackend(t, testInstancesServeOneHolder) }

func testInstancesServeOneHolder(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	const instances, clients, rounds, price, start = 4, 6, 5, 100, 100000
	url := newURL(t)
	var st []Store
	for range instances {
		st = append(st, openURL(t, url))
	}
	if err := st[0].AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: start}); err != nil {
		t.Fatal(err)
	}
	if err := st[1].PutCert(ctx, cert("01", "")); err != nil {
		t.Fatal(err)
	}
	holder, confirmedRounds := "01", 0
	for round := range rounds {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var confirmedSerials []string
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("r%dc%d", round, c)
				if err := st[c%instances].CreateTxn(ctx, waitingTxn(id, holder, price)); err != nil {
					t.Error(err)
					return
				}
				confirm := (round+c)%3 != 0
				race2(t, st, c, func(s Store) error { return s.Issue(ctx, id, cert(randomSerial(), holder), false, 1) })
				state := StateRejected
				if confirm {
					state = StateConfirmed
				}
				race2(t, st, c+1, func(s Store) error { return s.Finish(ctx, id, state, 1) })
				if tx, err := st[0].Txn(ctx, id); err == nil && tx.State == StateConfirmed {
					mu.Lock()
					confirmedSerials = append(confirmedSerials, tx.CertSerial)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(confirmedSerials) > 1 {
			t.Fatalf("round %d: %d renewals of %s confirmed (allowance 1): %v", round, len(confirmedSerials), holder, confirmedSerials)
		}
		if len(confirmedSerials) == 1 {
			holder = confirmedSerials[0] // the next round renews the renewed certificate
			confirmedRounds++
		}
		checkTables(t, st[round%instances], start, price)
	}
	if confirmedRounds == 0 {
		t.Fatal("no round confirmed a renewal: the test proves nothing")
	}
	rep, err := st[2].VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events[EventIssue] != dbInt(t, st[0], `SELECT count(*) FROM certs`) || rep.Events[EventCharge] != dbInt(t, st[0], `SELECT count(*) FROM charges`) ||
		rep.Events[EventRefund] != dbInt(t, st[0], `SELECT count(*) FROM charges WHERE refunded_at != 0`) {
		t.Fatalf("audit events %v do not match the tables", rep.Events)
	}
	t.Logf("%d rounds confirmed, audit: %d records %v", confirmedRounds, rep.Records, rep.Events)
}

// race2 runs f on two instances at once (i and i+1); every failure must be one of the store's refusals.
func race2(t *testing.T, st []Store, i int, f func(Store) error) {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); errs[k] = f(st[(i+k)%len(st)]) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, ErrState) && !errors.Is(err, ErrAlreadyRenewed) {
			t.Errorf("unexpected error: %v", err)
		}
	}
}

func randomSerial() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// checkTables asserts I2 and I3 with raw SQL on the tables.
func checkTables(t *testing.T, s Store, start, price int64) {
	t.Helper()
	if n := dbInt(t, s, `SELECT count(*) FROM (SELECT t.id FROM transactions t JOIN certs c ON c.serial = t.cert_serial GROUP BY t.id HAVING count(*) > 1) x`); n != 0 {
		t.Fatalf("%d transactions with more than one certificate", n)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM certs c WHERE c.parent != '' AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.cert_serial = c.serial)`); n != 0 {
		t.Fatalf("%d renewals issued outside any transaction (a double issuance)", n)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM (SELECT parent FROM transactions WHERE state = ? GROUP BY parent HAVING count(*) > 1) x`, StateConfirmed); n != 0 {
		t.Fatalf("%d certificates with more than one confirmed renewal", n)
	}
	issued := dbInt(t, s, `SELECT count(*) FROM transactions WHERE cert_serial != ''`)
	if n := dbInt(t, s, `SELECT count(*) FROM charges`); n != issued {
		t.Fatalf("%d charges for %d issued transactions", n, issued)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM charges ch JOIN transactions t ON t.id = ch.transaction_id WHERE (ch.refunded_at = 0) != (t.state IN (?, ?))`, StateConfirmed, StateIssued); n != 0 {
		t.Fatalf("%d charges refunded though kept, or kept though not confirmed", n)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM certs c JOIN transactions t ON t.cert_serial = c.serial WHERE (c.revoked_at = 0) != (t.state IN (?, ?))`, StateConfirmed, StateIssued); n != 0 {
		t.Fatalf("%d renewals valid though closed, or revoked though live", n)
	}
	kept := dbInt(t, s, `SELECT coalesce(sum(amount), 0) FROM charges WHERE refunded_at = 0`)
	if b := dbInt(t, s, `SELECT balance FROM accounts WHERE id = 'acc'`); b != start-kept || kept%price != 0 {
		t.Fatalf("balance %d, want %d - %d", b, start, kept)
	}
}

// TestSQLiteWriterWaitsPastBusyTimeout: a ponte-ca instance sharing the SQLite file with another one that
// holds the write lock longer than busy_timeout still writes once the lock is free, instead of failing
// with SQLITE_BUSY (which the CA answers as a storage failure). The second handle's busy_timeout is 20 ms
// so that the wait goes past it twice without a slow test; the lock is released only after that.
func TestSQLiteWriterWaitsPastBusyTimeout(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ca.db")
	first := open(t, path)
	second, err := openSQL("sqlite", sqliteDSN(path, 20), path, sqlite{rounds: 1 << 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	holder, err := first.b.beginWrite(ctx, first.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	waits := busyWaits.Load()
	done := make(chan error, 1)
	go func() { done <- second.AddAccount(ctx, &Account{ID: "late", PasswordHash: "h", Balance: 7}) }()
	for i := 0; i < 3000 && busyWaits.Load() < waits+2; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if busyWaits.Load() < waits+2 {
		t.Fatal("the second instance never waited past busy_timeout")
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write after the lock was freed: %v", err)
	}
	if n := dbInt(t, first, `SELECT balance FROM accounts WHERE id = 'late'`); n != 7 {
		t.Fatalf("balance on disk %d, want 7", n)
	}
}
