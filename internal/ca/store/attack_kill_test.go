package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLockHolderKilled (attack, issue #19): an instance SIGKILLed while it holds a holder's lock in the
// middle of a transaction — its renewal written (certificate, charge, state) but not committed, and in
// a second round also holding the audit lock — must leave nothing of it behind and must not keep the
// lock: another instance then issues the same renewal exactly once. The killed instance is a child
// process (this test binary, TestLockHolderChild), so the kill is a real one: PostgreSQL must notice
// the lost connection, SQLite's lock is the file's.
func TestLockHolderKilled(t *testing.T) { eachBackend(t, testLockHolderKilled) }

func testLockHolderKilled(t *testing.T, newURL backendURL) {
	ctx := t.Context()
	url := newURL(t)
	s := openURL(t, url)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 1000}))
	for round, audit := range []bool{false, true} {
		id, parent := fmt.Sprintf("t%d", round), fmt.Sprintf("0%d", round)
		must(s.PutCert(ctx, cert(parent, "")))
		must(s.CreateTxn(ctx, waitingTxn(id, parent, 300)))
		child := startLockHolder(t, url, id, audit)
		done := make(chan error, 2)
		go func() { done <- s.Issue(ctx, id, cert("ok"+id, parent), false, 1) }()
		waiters := int64(1)
		if audit { // another holder's write, which needs only the audit lock
			waiters++
			go func() { done <- s.Credit(ctx, "acc", 100) }()
		}
		if s.Backend() == "postgres" {
			waitAdvisoryWaiters(t, s, waiters) // they wait for the killed instance's locks
		}
		must(child.Process.Kill())
		child.Wait()
		for range waiters {
			select {
			case err := <-done:
				must(err)
			case <-time.After(2 * time.Minute):
				t.Fatalf("round %d: a write still waits after the lock holder was killed", round)
			}
		}
		must(s.Finish(ctx, id, StateConfirmed, 1))
	}
	if n := dbInt(t, s, `SELECT count(*) FROM certs WHERE serial LIKE 'dead%'`); n != 0 {
		t.Fatalf("%d certificates of the killed transactions committed", n)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM charges`); n != 2 {
		t.Fatalf("%d charges, want 2", n)
	}
	if b := dbInt(t, s, `SELECT balance FROM accounts WHERE id = 'acc'`); b != 500 {
		t.Fatalf("balance %d, want 500", b)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM transactions WHERE state = ?`, StateConfirmed); n != 2 {
		t.Fatalf("%d confirmed renewals, want 2", n)
	}
	checkAuditMatches(t, s)
}

// startLockHolder starts the child that takes transaction id's locks, writes its issuance and waits to
// be killed; it returns once the child said it holds them.
func startLockHolder(t *testing.T, url, id string, audit bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderChild$")
	cmd.Env = append(os.Environ(), "PONTE_LOCKHOLDER="+url, "PONTE_LOCKHOLDER_TXN="+id, fmt.Sprintf("PONTE_LOCKHOLDER_AUDIT=%t", audit))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() { // bounded by the child: it prints LOCKED or exits
		if strings.HasPrefix(sc.Text(), "LOCKED") {
			go func() { // drain, so the child never blocks on its stdout
				for sc.Scan() {
				}
			}()
			return cmd
		}
	}
	t.Fatal("the lock holder ended without taking its locks")
	return nil
}

// waitAdvisoryWaiters waits (bounded) until n PostgreSQL sessions wait for an advisory lock.
func waitAdvisoryWaiters(t *testing.T, s Store, n int64) {
	t.Helper()
	for range 600 {
		if dbInt(t, s, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no session waits for the killed instance's lock")
}

// TestLockHolderChild is the instance TestLockHolderKilled kills: Issue's writes under the holder's
// lock (and the audit lock if asked), uncommitted, then it waits.
func TestLockHolderChild(t *testing.T) {
	url := os.Getenv("PONTE_LOCKHOLDER")
	if url == "" {
		t.Skip("the child of TestLockHolderKilled")
	}
	id := os.Getenv("PONTE_LOCKHOLDER_TXN")
	s := openURL(t, url).(*sqlStore)
	ctx := context.Background()
	tx, err := s.Txn(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	err = s.tx(ctx, holderKeys(holderOf(tx)), func(c conn) error {
		c2 := cert("dead"+id, tx.Parent)
		if err := insertCert(ctx, c, c2, id); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO charges (transaction_id, account, amount, cert_serial, at) VALUES (?,?,?,?,?)`, id, "acc", 300, c2.Serial, 1); err != nil {
			return err
		}
		if err := setState(ctx, c, id, StateWaiting, StateIssued, 1); err != nil {
			return err
		}
		if os.Getenv("PONTE_LOCKHOLDER_AUDIT") == "true" {
			if err := s.b.lockAudit(ctx, c); err != nil {
				return err
			}
			changeBalance(c, "acc", -300, true)
			if err := applyBalances(ctx, c); err != nil {
				return err
			}
		}
		fmt.Println("LOCKED")
		select {} // killed here
	})
	t.Fatal(err)
}
