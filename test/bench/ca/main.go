// Command ca is the CA section of `make bench` (docs/ca-scale.md): ponte-ca's renewal throughput (kur +
// certConf, 2048-bit RSA keys generated beforehand; free, and paid from a prepaid account, whose scrypt
// password check costs more than the rest) with SQLite alone and with one and two instances on PostgreSQL,
// side by side; the space each renewal takes in the database; and the full multi-instance
// kill run (four instances, one killed with SIGKILL every few seconds, bounded load) with its final
// accounting. Everything runs on loopback against a private PostgreSQL cluster (internal/testkit/pgcluster) with
// its default durability (fsync on); the clients share the machine's cores with the instances.
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/cafleet"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

func main() {
	renewals := flag.Int("renewals", 300, "renewals per throughput run, free")
	paid := flag.Int("paid-renewals", 60, "renewals per throughput run, paid (scrypt per request)")
	workers := flag.Int("workers", 8, "clients at once")
	killHolders := flag.Int("kill-holders", 300, "holders of the kill run")
	killTime := flag.Duration("kill-time", 2*time.Minute, "the kill run stops starting renewals after this")
	flag.Parse()
	if err := run(*renewals, *paid, *workers, *killHolders, *killTime); err != nil {
		fmt.Fprintln(os.Stderr, "bench ca:", err)
		os.Exit(1)
	}
}

const balance = 100_000_000

func run(renewals, paid, workers, killHolders int, killTime time.Duration) error {
	work, err := os.MkdirTemp("", "ponte-bench-ca-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "ponte-ca")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/ponte-ca").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	pg, err := pgcluster.Start("", pgcluster.Options{Durable: true})
	if err != nil {
		return err
	}
	defer pg.Stop()
	fmt.Println("CA: 2048-bit RSA keys…")
	keys, err := rsaKeys(16)
	if err != nil {
		return err
	}
	type row struct {
		name   string
		res    cafleet.Result
		acc    *cafleet.Accounting
		perRen int64
		cpu    cpuCost
	}
	var rows []row
	load := loadavg()
	for i, cfg := range []struct {
		name      string
		postgres  bool
		instances int
		price     int64
	}{{"SQLite, 1 instance", false, 1, 0}, {"PostgreSQL, 1 instance", true, 1, 0}, {"PostgreSQL, 2 instances", true, 2, 0},
		{"SQLite, 1 instance", false, 1, 100}, {"PostgreSQL, 1 instance", true, 1, 100}, {"PostgreSQL, 2 instances", true, 2, 100}} {
		kind, n := "free", renewals
		if cfg.price > 0 {
			kind, n = "paid", paid
		}
		fmt.Printf("CA: %s, %s, %d renewals by %d clients…\n", cfg.name, kind, n, workers)
		db := ""
		if cfg.postgres {
			if db, err = pg.CreateDB(context.Background(), fmt.Sprintf("bench%d", i)); err != nil {
				return err
			}
		}
		r := row{name: cfg.name + ", " + kind}
		var dbProcs func() []int
		if cfg.postgres {
			dbProcs = pg.Processes
		}
		if r.res, r.acc, r.perRen, r.cpu, err = throughput(bin, filepath.Join(work, fmt.Sprintf("ca%d", i)), db, dbProcs, cfg.instances, n, workers, cfg.price, keys); err != nil {
			return err
		}
		rows = append(rows, r)
	}
	fmt.Println("CA: the database alone, renewals' writes by 8 goroutines…")
	var ceilings []string
	for _, b := range []string{"sqlite", "postgres"} {
		url := "sqlite:" + filepath.Join(work, "ceiling.db")
		if b == "postgres" {
			if url, err = pg.CreateDB(context.Background(), "ceiling"); err != nil {
				return err
			}
		}
		line, err := ceiling(url, 1000, 8)
		if err != nil {
			return err
		}
		ceilings = append(ceilings, fmt.Sprintf("  %-10s %s", b, line))
	}
	fmt.Printf("CA: kill run, 4 instances on PostgreSQL, %d holders, one instance killed every ~3 s…\n", killHolders)
	killLine, err := killRun(bin, filepath.Join(work, "kill"), pg, killHolders, workers, killTime, keys)
	if err != nil {
		return err
	}

	fmt.Println()
	fmt.Printf("CA renewals (kur + certConf, RSA 2048, %d clients on loopback; %d cores shared by clients, instances and database; load average %s before, %s after):\n",
		workers, runtime.NumCPU(), load, loadavg())
	for _, r := range rows {
		ok := "exact"
		if !r.acc.OK() {
			ok = "NOT EXACT: " + r.acc.String()
		}
		fmt.Printf("  %-30s %6.1f renewals/s  (%d in %v; CPU per renewal: instances %v, PostgreSQL %v; %d bytes of database per renewal; accounting %s)\n", r.name,
			rate(r.res), r.res.Completed, r.res.Elapsed.Round(time.Millisecond), r.cpu.ca, r.cpu.db, r.perRen, ok)
	}
	for k := 0; k < len(rows); k += 3 {
		if sq, pg2 := rows[k], rows[k+2]; rate(pg2.res) >= rate(sq.res) {
			fmt.Printf("  PostgreSQL with 2 instances keeps SQLite's throughput (%s: %.1f ≥ %.1f renewals/s)\n", pg2.name, rate(pg2.res), rate(sq.res))
		} else {
			fmt.Printf("  PostgreSQL with 2 instances is BELOW SQLite alone (%s: %.1f < %.1f renewals/s)\n", pg2.name, rate(pg2.res), rate(sq.res))
		}
	}
	fmt.Println("The database alone (store.CreateTxn + Issue + Finish and two nonces per renewal, 1.2 kB certificates, 8 goroutines, no CMP, no signing):")
	fmt.Println(strings.Join(ceilings, "\n"))
	fmt.Println(killLine)
	return nil
}

func rate(r cafleet.Result) float64 { return float64(r.Completed) / r.Elapsed.Seconds() }

// loadavg is the machine's 1-minute load average: other work on the cores weighs on every number here.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// rsaKeys generates n 2048-bit RSA keys (the CNS cards' size).
func rsaKeys(n int) ([]crypto.Signer, error) {
	var out []crypto.Signer
	for range n {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// newCA initialises a CA in dir on db ("" for SQLite in dir) and its holders.
func newCA(bin, dir, db string, delay, holders int, price int64, keys []crypto.Signer) ([]*cafleet.Holder, error) {
	args := []string{"init", "--dir", dir, "--listen", "127.0.0.1:0"}
	if db != "" {
		args = append(args, "--db", db)
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ponte-ca init: %v\n%s", err, out)
	}
	return cafleet.Setup(dir, "", delay, price, balance, keys, holders)
}

// cpuCost is the processor time one renewal cost the instances and the PostgreSQL server.
type cpuCost struct{ ca, db time.Duration }

// throughput renews n holders once each through instances with no delay and no kills, and returns the
// load's result, the accounting, the database's growth and the processor time per renewal (dbProcs lists
// the PostgreSQL server's processes; nil for SQLite, which runs inside the instance).
func throughput(bin, dir, db string, dbProcs func() []int, instances, n, workers int, price int64, keys []crypto.Signer) (cafleet.Result, *cafleet.Accounting, int64, cpuCost, error) {
	var res cafleet.Result
	var cost cpuCost
	holders, err := newCA(bin, dir, db, 0, n, price, keys)
	if err != nil {
		return res, nil, 0, cost, err
	}
	before, err := dbSize(dir, db)
	if err != nil {
		return res, nil, 0, cost, err
	}
	f, err := cafleet.Start(bin, dir, "", instances)
	if err != nil {
		return res, nil, 0, cost, err
	}
	defer f.Stop()
	ctx := context.Background()
	ca0, db0 := f.CPU(), procsCPU(dbProcs)
	res = cafleet.Load(ctx, client(dir, f), holders, cafleet.Plan{Workers: workers, Tries: 5, MaxTime: 10 * time.Minute, Timeout: time.Minute})
	k := time.Duration(max(res.Completed, 1))
	cost = cpuCost{ca: ((f.CPU() - ca0) / k).Round(100 * time.Microsecond), db: ((procsCPU(dbProcs) - db0) / k).Round(100 * time.Microsecond)}
	f.Stop()
	acc, err := accounting(ctx, dir, holders, price)
	if err != nil {
		return res, nil, 0, cost, err
	}
	after, err := dbSize(dir, db)
	if err != nil {
		return res, nil, 0, cost, err
	}
	return res, acc, (after - before) / int64(k), cost, nil
}

// procsCPU is the processor time the processes procs lists have used.
func procsCPU(procs func() []int) time.Duration {
	var d time.Duration
	if procs != nil {
		for _, pid := range procs() {
			d += cafleet.ProcessCPU(pid)
		}
	}
	return d
}

// killRun is the full multi-instance kill run; it returns its report line.
func killRun(bin, dir string, pg *pgcluster.Cluster, holders, workers int, maxTime time.Duration, keys []crypto.Signer) (string, error) {
	db, err := pg.CreateDB(context.Background(), "benchkill")
	if err != nil {
		return "", err
	}
	const price = 100
	hs, err := newCA(bin, dir, db, 1, holders, price, keys)
	if err != nil {
		return "", err
	}
	f, err := cafleet.Start(bin, dir, "", 4)
	if err != nil {
		return "", err
	}
	defer f.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), maxTime+5*time.Minute)
	defer cancel()
	kills, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- f.KillLoop(kills, 3*time.Second, 300*time.Millisecond) }()
	res := cafleet.Load(ctx, client(dir, f), hs, cafleet.Plan{Workers: workers, Tries: 6, RejectEvery: 3, MaxTime: maxTime, Timeout: 10 * time.Second})
	stop()
	if err := <-errc; err != nil {
		return "", err
	}
	resumed, err := cafleet.Resume(ctx, client(dir, f), hs)
	if err != nil {
		return "", err
	}
	f.Stop()
	acc, err := accounting(ctx, dir, hs, price)
	if err != nil {
		return "", err
	}
	verdict := "OK"
	if !acc.OK() || len(res.Refused) > 0 {
		verdict = fmt.Sprintf("FAILED (refused: %v)", res.Refused)
	}
	return fmt.Sprintf("CA kill run (4 instances on PostgreSQL, one SIGKILLed every ~3 s and restarted): %s\n  %d instances killed, %d requests sent on by the front; %s; %d resumed after the kills\n  final accounting: %s\n  audit events: %s",
		verdict, f.Kills.Load(), f.Retried.Load(), res, resumed, acc, acc.Summary()), nil
}

func client(dir string, f *cafleet.Fleet) *cmp.Client {
	caPEM, _ := os.ReadFile(filepath.Join(dir, ca.CertFile))
	caCert, _ := ca.ParseCertificatePEM(caPEM)
	return cafleet.Client(f.URL(), caCert, time.Minute)
}

// accounting opens the CA's database (from its config.json) and checks it.
func accounting(ctx context.Context, dir string, holders []*cafleet.Holder, price int64) (*cafleet.Accounting, error) {
	c, err := ca.Open(dir)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return cafleet.Check(ctx, c.Store, holders, balance, price)
}

// dbSize is the size of the CA's database: the SQLite file (with its WAL), or PostgreSQL's
// pg_database_size.
func dbSize(dir, db string) (int64, error) {
	if db == "" {
		var n int64
		for _, f := range []string{ca.DBFile, ca.DBFile + "-wal"} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
				n += fi.Size()
			}
		}
		return n, nil
	}
	d, err := sql.Open("pgx", db)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	var n int64
	err = d.QueryRow(`SELECT pg_database_size(current_database())`).Scan(&n)
	return n, err
}

// ceiling measures what the database alone sustains: the writes of n paid renewals (the transaction, the
// issuance with its charge, the confirmation, two nonces: what one kur and its certConf write) from
// workers goroutines on one store, certificates of a realistic size and no signing.
func ceiling(url string, n, workers int) (string, error) {
	st, err := store.Open(url)
	if err != nil {
		return "", err
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.AddAccount(ctx, &store.Account{ID: "acc", PasswordHash: "h", Balance: balance}); err != nil {
		return "", err
	}
	der := make([]byte, 1200)
	now := time.Now().UTC().Truncate(time.Second)
	cert := func(serial, parent string) *store.Cert {
		return &store.Cert{Serial: serial, DER: der, Subject: "CN=TITOLARE,serialNumber=TINIT-X", Role: "cns", Profile: "fleet",
			NotBefore: now, NotAfter: now.AddDate(3, 0, 0), SPKISHA256: strings.Repeat("a", 64), Parent: parent, LineageStart: now, IssuedAt: now}
	}
	for i := range n {
		if err := st.PutCert(ctx, cert(fmt.Sprintf("p%d", i), "")); err != nil {
			return "", err
		}
	}
	start := time.Now()
	work := make(chan int)
	errc := make(chan error, workers)
	for range workers {
		go func() {
			var err error
			for i := range work {
				if err == nil {
					err = renewWrites(ctx, st, i, der, cert)
				}
			}
			errc <- err
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	for range workers {
		if err := <-errc; err != nil {
			return "", err
		}
	}
	d := time.Since(start)
	rep, err := st.VerifyAudit(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%7.0f renewals/s  (%d in %v; audit log %d records, verified)", float64(n)/d.Seconds(), n, d.Round(time.Millisecond), rep.Records), nil
}

// renewWrites is what one renewal writes to the store.
func renewWrites(ctx context.Context, st store.Store, i int, der []byte, cert func(serial, parent string) *store.Cert) error {
	id, parent := fmt.Sprintf("t%d", i), fmt.Sprintf("p%d", i)
	now := time.Now().UTC().Truncate(time.Second)
	t := &store.Txn{ID: id, Profile: "fleet", Kind: "kur", RequestSHA256: id, ReadyAt: now, Subject: der[:100], SPKI: der[:294],
		Role: "cns", NotBefore: now, NotAfter: now.AddDate(3, 0, 0), Parent: parent, Account: "acc", Price: 100}
	if err := st.CreateTxn(ctx, t); err != nil {
		return err
	}
	if err := st.AddNonce(ctx, id, []byte(id+"a")); err != nil {
		return err
	}
	if err := st.Issue(ctx, id, cert(fmt.Sprintf("r%d", i), parent), false, 1); err != nil {
		return err
	}
	if err := st.AddNonce(ctx, id, []byte(id+"b")); err != nil {
		return err
	}
	return st.Finish(ctx, id, store.StateConfirmed, 1)
}
