package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/cafleet"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// TestInstancesKilled (issue #19: several instances; docs/ca-scale.md): four ponte-ca processes share
// one database of a private PostgreSQL cluster behind a round-robin front (internal/ca/cafleet). Paid
// renewals with one second of delayed issuance — so a renewal's request, polls and certConf reach
// different instances — run while one instance is killed (SIGKILL) about every two seconds and started
// again; every third holder rejects a first renewal (charged, then refunded). Renewals whose tries ran
// out are then resumed. The database must show every started renewal completed: one confirmed renewal per
// holder, nothing pending, no holder with two valid renewals, every charge kept exactly for a confirmed
// certificate, the balance exact, and an audit log that `ponte-ca audit verify` accepts — and refuses once
// a record is altered in the database. The short form of the run `make bench` does in full.
func TestInstancesKilled(t *testing.T) {
	url := pgcluster.NewDB(t)
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0", "--db", url)
	var keys []crypto.Signer
	for range 8 {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		keys = append(keys, k)
	}
	const start, price = 100000, 100
	holders, err := cafleet.Setup(dir, "", 1, price, start, keys, 40)
	if err != nil {
		t.Fatal(err)
	}
	f, err := cafleet.Start(bin, dir, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	caPEM, _ := os.ReadFile(filepath.Join(dir, ca.CertFile))
	caCert, _ := ca.ParseCertificatePEM(caPEM)
	cl := cafleet.Client(f.URL(), caCert, 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	kills, stopKills := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- f.KillLoop(kills, 2*time.Second, 200*time.Millisecond) }()
	res := cafleet.Load(ctx, cl, holders, cafleet.Plan{Workers: 6, Tries: 6, RejectEvery: 3, MaxTime: 45 * time.Second, Timeout: 10 * time.Second})
	stopKills()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	resumed, err := cafleet.Resume(ctx, cl, holders)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acc, err := cafleet.Check(ctx, st, holders, start, price)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s; %d resumed; %d instances killed, %d requests sent on by the front", res, resumed, f.Kills.Load(), f.Retried.Load())
	t.Logf("%s; %s", acc, acc.Summary())
	if !acc.OK() || len(res.Refused) > 0 || acc.Holders == 0 {
		t.Errorf("accounting not exact: %s; refused %v; holders without their renewal %v", acc, res.Refused, acc.UnconfirmedHolders)
	}
	if f.Kills.Load() < 3 {
		t.Errorf("only %d instances killed during the load", f.Kills.Load())
	}
	if out := must(t, "audit", "verify", "--dir", dir); !strings.Contains(out, "audit log valid") {
		t.Errorf("audit verify: %s", out)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET amount = amount + 1 WHERE event = 'charge' AND seq = (SELECT min(seq) FROM audit WHERE event = 'charge')`); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "audit", "verify", "--dir", dir); err == nil || !strings.Contains(out, "audit log NOT valid") || !strings.Contains(out, "was altered") {
		t.Errorf("audit verify of an altered log: %v\n%s", err, out)
	}
}

// TestDBFlag: init --db sqlite:PATH keeps the state at PATH and records it, so later commands find it
// without the flag; a URL of another kind, or a database that already holds a CA, is refused with
// nothing written in the directory.
func TestDBFlag(t *testing.T) {
	base := t.TempDir()
	dir, db := filepath.Join(base, "ca"), filepath.Join(base, "state", "ponte.db")
	os.MkdirAll(filepath.Dir(db), 0o755)
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0", "--db", "sqlite:"+db)
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ca.DBFile)); !os.IsNotExist(err) {
		t.Fatalf("%s made too: %v", ca.DBFile, err)
	}
	if out := must(t, "account", "show", "--dir", dir, "--id", "demo"); !strings.Contains(out, "credito/balance 50,00 €") {
		t.Fatalf("account show without --db: %s", out)
	}
	for _, tc := range []struct{ url, want string }{
		{"mysql://localhost/ca", "only sqlite:PATH and postgres://… are accepted"},
		{"sqlite:" + db, "already holds a CA's state"},
	} {
		other := filepath.Join(base, "other")
		out, err := runCLI(t, "init", "--dir", other, "--db", tc.url)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("init --db %s: %v\n%s", tc.url, err, out)
		}
		if _, err := os.Stat(other); !os.IsNotExist(err) {
			t.Errorf("init --db %s left %s behind", tc.url, other)
		}
	}
}
