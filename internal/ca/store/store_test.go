package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// open opens a SQLite file (the upgrade tests, which write SQLite's own schema).
func open(t *testing.T, path string) *sqlStore {
	t.Helper()
	return openURL(t, "sqlite:"+path).(*sqlStore)
}

func waitingTxn(id, parent string, price int64) *Txn {
	now := time.Now().UTC().Truncate(time.Second)
	return &Txn{ID: id, Profile: "p", Kind: "kur", RequestSHA256: "h-" + id, ReadyAt: now, CertReqID: 0,
		Subject: []byte{0x30, 0}, SPKI: []byte{1}, Role: "cns", NotBefore: now, NotAfter: now.AddDate(1, 0, 0),
		Parent: parent, Account: "acc", Price: price}
}

func cert(serial, parent string) *Cert {
	now := time.Now().UTC().Truncate(time.Second)
	return &Cert{Serial: serial, DER: []byte{1, 2}, Subject: "CN=x", Role: "cns", Profile: "p", NotBefore: now,
		NotAfter: now.AddDate(1, 0, 0), SPKISHA256: "aa", Parent: parent, LineageStart: now, IssuedAt: now}
}

// TestChargeOnce: many concurrent attempts to issue the same transaction issue and charge exactly once.
func TestChargeOnce(t *testing.T) { eachBackend(t, testChargeOnce) }

func testChargeOnce(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	s := fresh(t, newURL)
	if err := s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 1200}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate account: %v", err)
	}
	if err := s.PutCert(ctx, cert("01", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTxn(ctx, waitingTxn("t1", "01", 500)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTxn(ctx, waitingTxn("t1", "01", 500)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate transaction: %v", err)
	}
	if w, err := s.Waiting(ctx, "01"); err != nil || w.ID != "t1" {
		t.Fatalf("pending renewal: %+v %v", w, err)
	}
	// A newer request for the same certificate supersedes the waiting one, which can no longer issue.
	if err := s.CreateTxn(ctx, waitingTxn("t0", "01", 500)); err != nil {
		t.Fatal(err)
	}
	if old, _ := s.Txn(ctx, "t1"); old.State != StateSuperseded {
		t.Fatalf("state %s", old.State)
	}
	if err := s.Issue(ctx, "t1", cert("02", "01"), false, 0); !errors.Is(err, ErrState) {
		t.Fatalf("superseded transaction issued: %v", err)
	}
	if n, _ := s.Renewals(ctx, "01"); n != 0 {
		t.Fatalf("waiting renewals counted: %d", n)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, stale := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Issue(ctx, "t0", cert("02", "01"), false, 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrState):
				stale++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || stale != 7 {
		t.Fatalf("issued %d times, %d refused", ok, stale)
	}
	if b := dbInt(t, s, `SELECT balance FROM accounts WHERE id = ?`, "acc"); b != 700 {
		t.Fatalf("balance %d, want 700", b)
	}
	if n := dbInt(t, s, `SELECT count(*) FROM charges WHERE transaction_id = ?`, "t0"); n != 1 {
		t.Fatalf("%d charges for t0", n)
	}
	ch, _ := s.Charges(ctx, "acc")
	if len(ch) != 1 || ch[0].CertSerial != "02" || ch[0].Amount != 500 || ch[0].TransactionID != "t0" {
		t.Fatalf("charges %+v", ch)
	}
	if n, _ := s.Renewals(ctx, "01"); n != 1 {
		t.Fatalf("issued renewal counted %d times", n)
	}
	// A second paid transaction: 700 pays 500 once more, the third is refused with nothing issued.
	s.CreateTxn(ctx, waitingTxn("t2", "", 500))
	if err := s.Issue(ctx, "t2", cert("03", ""), true, 0); err != nil {
		t.Fatal(err)
	}
	s.CreateTxn(ctx, waitingTxn("t3", "", 500))
	if err := s.Issue(ctx, "t3", cert("04", ""), true, 0); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("want insufficient balance, got %v", err)
	}
	if _, err := s.Cert(ctx, "04"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("certificate issued without payment: %v", err)
	}
	if tx, _ := s.Txn(ctx, "t3"); tx.State != StateWaiting {
		t.Fatalf("state %s", tx.State)
	}
}

// TestRestart: a waiting transaction and everything else survive closing and reopening the database.
func TestRestart(t *testing.T) { eachBackend(t, testRestart) }

func testRestart(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	path := newURL(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := waitingTxn("abcd", "", 0)
	want.MACRef, want.ImplicitConfirm = "demo", true
	if err := s.CreateTxn(ctx, want); err != nil {
		t.Fatal(err)
	}
	s.PutCert(ctx, cert("0a", ""))
	if err := s.Revoke(ctx, "0a", 1, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, "ff", 1, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking an unknown serial: %v", err)
	}
	s.Close()

	s = openURL(t, path)
	got, err := s.Txn(ctx, "abcd")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateWaiting || got.MACRef != "demo" || !got.ImplicitConfirm || !got.NotAfter.Equal(want.NotAfter) || string(got.SPKI) != string(want.SPKI) {
		t.Fatalf("transaction after restart: %+v", got)
	}
	r, _ := s.Revoked(ctx)
	if len(r) != 1 || r[0].Serial != "0a" || r[0].RevokedAt.Unix() != 1700000000 || r[0].RevocationReason != 1 {
		t.Fatalf("revocations after restart: %+v", r)
	}
	if err := s.Issue(ctx, "abcd", cert("0b", ""), false, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "abcd", StateRejected, 0); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Cert(ctx, "0b"); c.RevokedAt.IsZero() || c.RevocationReason != 4 {
		t.Fatalf("rejected certificate not revoked: %+v", c)
	}
	if err := s.Finish(ctx, "abcd", StateConfirmed, 0); !errors.Is(err, ErrState) {
		t.Fatalf("confirm after reject: %v", err)
	}
}

// TestRefundOnReject: a paid certificate its holder rejects (certConf refusal) is revoked and the charge
// goes back to the account exactly once; a confirmed one stays charged.
func TestRefundOnReject(t *testing.T) { eachBackend(t, testRefundOnReject) }

func testRefundOnReject(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	s := fresh(t, newURL)
	if err := s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 1200}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t1", "t2"} {
		if err := s.CreateTxn(ctx, waitingTxn(id, "", 500)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Issue(ctx, "t1", cert("11", ""), false, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Issue(ctx, "t2", cert("12", ""), false, 0); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, "acc"); a.Balance != 200 {
		t.Fatalf("balance after two charges %d, want 200", a.Balance)
	}
	for range 3 { // finishing again is a no-op: one refund only
		if err := s.Finish(ctx, "t1", StateRejected, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Finish(ctx, "t2", StateConfirmed, 0); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, "acc"); a.Balance != 700 {
		t.Fatalf("balance after the refund %d, want 700", a.Balance)
	}
	ch, err := s.Charges(ctx, "acc")
	if err != nil || len(ch) != 2 {
		t.Fatalf("charges %+v %v", ch, err)
	}
	for _, c := range ch {
		if refunded := !c.RefundedAt.IsZero(); refunded != (c.TransactionID == "t1") {
			t.Errorf("charge %s refunded %v", c.TransactionID, refunded)
		}
	}
	if c, _ := s.Cert(ctx, "11"); c.RevokedAt.IsZero() {
		t.Fatal("rejected certificate not revoked")
	}
}

// TestUpgradeFromVersion1: a database written by schema version 1 (charges without refunded_at) opens,
// keeps its charges and can refund.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ca.db")
	s := open(t, path)
	for _, q := range []string{`DROP TABLE charges`, `CREATE TABLE charges (transaction_id TEXT PRIMARY KEY, account TEXT NOT NULL,
		amount INTEGER NOT NULL, cert_serial TEXT NOT NULL, at INTEGER NOT NULL)`,
		`INSERT INTO charges VALUES ('old', 'acc', 300, '09', 1700000000)`, `PRAGMA user_version = 1`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path)
	ch, err := s.Charges(ctx, "acc")
	if err != nil || len(ch) != 1 || ch[0].Amount != 300 || !ch[0].RefundedAt.IsZero() {
		t.Fatalf("charges after upgrade %+v %v", ch, err)
	}
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != schemaVersion {
		t.Fatalf("user_version %d, want %d", v, schemaVersion)
	}
}

// TestUpgradeFromVersion2: a database of schema version 2 (no acceptances table) opens at the current version and
// records an acceptance with a transaction.
func TestUpgradeFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ca.db")
	s := open(t, path)
	for _, q := range []string{`DROP TABLE acceptances`, `PRAGMA user_version = 2`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path)
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	tx := waitingTxn("ta", "", 0)
	tx.Acceptance = &Acceptance{Subject: "CN=X", TermsVersion: "t1", PrivacyVersion: "p1", AcceptedAt: time.Unix(1765000000, 0)}
	if err := s.CreateTxn(ctx, tx); err != nil {
		t.Fatal(err)
	}
	list, err := s.Acceptances(ctx, "")
	if v != schemaVersion || err != nil || len(list) != 1 || list[0].TermsVersion != "t1" || list[0].AcceptedAt.Unix() != 1765000000 || list[0].State != StateWaiting {
		t.Fatalf("version %d, acceptances %+v %v", v, list, err)
	}
}
