package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	msqlite "modernc.org/sqlite"       // database/sql driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlStore is Store over database/sql; backend holds what differs between SQLite and PostgreSQL. The
// queries are written once, with ? placeholders and SQLite's type names, and translated for PostgreSQL.
type sqlStore struct {
	db       *sql.DB
	b        backend
	refusals refusalQueue // Refuse's batches (audit.go)
}

// backend is one database kind.
type backend interface {
	name() string
	// rebind turns the ? placeholders of a query into the kind's own.
	rebind(q string) string
	// ddl turns a schema statement into the kind's types.
	ddl(q string) string
	// beginWrite starts a write transaction holding the locks of holders (see the package comment):
	// PostgreSQL takes one advisory lock per key, in the order given; SQLite's BEGIN IMMEDIATE takes the
	// file's one write lock whatever the keys.
	beginWrite(ctx context.Context, db *sql.DB, holders []int64) (*sql.Tx, error)
	// lockAudit takes the audit log's lock in a write transaction, held until it ends: the appends of
	// concurrent transactions are serial, so the chain is one (audit.go).
	lockAudit(ctx context.Context, c conn) error
	// retryable reports an error after which the whole transaction may run again (PostgreSQL's
	// deadlock_detected and serialization_failure: nothing of it was committed).
	retryable(err error) bool
	// beginRead starts a read-only transaction on one snapshot of the database.
	beginRead(ctx context.Context, db *sql.DB) (*sql.Tx, error)
	version(ctx context.Context, c conn) (int, error)
	setVersion(ctx context.Context, c conn, v int) error
}

// runner is a *sql.DB or a *sql.Tx.
type runner interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// conn runs queries on a database or in a transaction, translated for the backend. In a write
// transaction, w collects what tx writes last, under the audit lock (flushAudit).
type conn struct {
	r runner
	b backend
	w *shared
}

// shared is what a write transaction changes in state every holder shares: the audit log's records
// (appendAudit) and the accounts' balances (changeBalance). Both are written at the end, after the audit
// lock: an account's row is then locked only inside that short section, never while its transaction
// waits for the lock (which would make every charge of one account wait for the log, and two
// transactions wait for each other crosswise).
type shared struct {
	audit    []Event
	balances []balanceChange
}

// balanceChange adds cents to an account's balance; checked: refused (ErrInsufficientBalance) if the
// balance would go below zero.
type balanceChange struct {
	account string
	cents   int64
	checked bool
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.r.ExecContext(ctx, c.b.rebind(q), args...)
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.r.QueryContext(ctx, c.b.rebind(q), args...)
}

func (c conn) row(ctx context.Context, q string, args ...any) *sql.Row {
	return c.r.QueryRowContext(ctx, c.b.rebind(q), args...)
}

// c runs outside any transaction (single reads, and writes that are one statement).
func (s *sqlStore) c() conn { return conn{r: s.db, b: s.b} }

func (s *sqlStore) Backend() string { return s.b.name() }

// Close closes the database.
func (s *sqlStore) Close() error { return s.db.Close() }

// tx runs f in one SQL transaction holding the locks of holders (holderKey; none: a transaction that
// decides nothing from what it reads, e.g. an account credited with one conditional UPDATE). The audit
// records f appends go into the log at the end, in one append under the audit lock (flushAudit), so the
// global part of the transaction is that append and the commit. A transaction that PostgreSQL aborted
// for a deadlock runs again from the start, at most txAttempts times: f must only change state through
// the transaction (the closures set their results at the end).
func (s *sqlStore) tx(ctx context.Context, holders []int64, f func(conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tx1(ctx, holders, f)
		if err == nil || attempt >= txAttempts || !s.b.retryable(err) || ctx.Err() != nil {
			return err
		}
		txRetries.Add(1)
	}
}

// txAttempts bounds tx's runs of one transaction.
const txAttempts = 5

// txRetries counts the transactions tx ran again (the tests and the bench read it).
var txRetries atomic.Int64

func (s *sqlStore) tx1(ctx context.Context, holders []int64, f func(conn) error) error {
	t, err := s.b.beginWrite(ctx, s.db, sortedKeys(holders))
	if err != nil {
		return err
	}
	c := conn{r: t, b: s.b, w: &shared{}}
	if err := f(c); err != nil {
		t.Rollback()
		return err
	}
	if err := flushAudit(ctx, c); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// holderKey is the advisory lock key of one holder of state: a certificate (its renewals, its
// revocation, its holds) or a CMP transaction that renews none (a first issuance). Different holders
// colliding on 64 bits only wait for each other.
func holderKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ponte-ca holder\x00" + name))
	return int64(h.Sum64())
}

// holderKeys are the keys of the named holders ("" names none).
func holderKeys(names ...string) []int64 {
	var keys []int64
	for _, n := range names {
		if n != "" {
			keys = append(keys, holderKey(n))
		}
	}
	return keys
}

// sortedKeys orders the keys without repeats: every transaction takes its locks in one global order, so
// two transactions never wait for each other's lock crosswise.
func sortedKeys(keys []int64) []int64 {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// readOnly runs f on one snapshot of the database.
func (s *sqlStore) readOnly(ctx context.Context, f func(conn) error) error {
	t, err := s.b.beginRead(ctx, s.db)
	if err != nil {
		return err
	}
	defer t.Rollback()
	return f(conn{r: t, b: s.b})
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// migrate brings the schema to schemaVersion under the audit lock, so instances starting together on one
// PostgreSQL database do not race: upgrades[i] runs on a database at version i, then the whole schema
// (CREATE … IF NOT EXISTS) makes what is still missing. A database that had no audit log gets its opening
// record (audit.go).
func (s *sqlStore) migrate(ctx context.Context) error {
	// The audit lock first: instances starting together upgrade one after the other.
	return s.tx(ctx, nil, func(c conn) error {
		if err := s.b.lockAudit(ctx, c); err != nil {
			return err
		}
		v, err := s.b.version(ctx, c)
		if err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("versione dello schema %d più recente di questo programma (%d) / schema version %d is newer than this program (%d)", v, schemaVersion, v, schemaVersion)
		}
		if v > 0 {
			for i := v; i < schemaVersion; i++ {
				if _, err := c.r.ExecContext(ctx, s.b.ddl(upgrades[i])); err != nil {
					return fmt.Errorf("aggiornamento dello schema %d→%d / schema upgrade %d→%d: %w", i, i+1, i, i+1, err)
				}
			}
		}
		if _, err := c.r.ExecContext(ctx, s.b.ddl(schema)); err != nil {
			return err
		}
		if err := openAudit(ctx, c); err != nil {
			return err
		}
		return s.b.setVersion(ctx, c, schemaVersion)
	})
}

// sqlite is the embedded backend: one file, one connection (SQLite has one writer anyway, and this keeps
// transactions strictly serial within the process); processes sharing the file wait for each other's
// write lock (busy_timeout), which BEGIN IMMEDIATE takes at the start of every transaction.
// rounds is how many busy_timeout waits beginWrite makes at most.
type sqlite struct{ rounds int }

func openSQLite(path string) (Store, error) {
	return openSQL("sqlite", sqliteDSN(path, 5000), path, sqlite{rounds: busyRounds}, 1)
}

// sqliteDSN opens path in WAL mode, each BEGIN IMMEDIATE waiting up to busyMS for the write lock.
func sqliteDSN(path string, busyMS int) string {
	return "file:" + path + "?_pragma=busy_timeout(" + strconv.Itoa(busyMS) + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// openSQL opens a database with driver, at most conns connections kept open, and migrates it; name is
// what errors call it.
func openSQL(driver, dsn, name string, b backend, conns int) (Store, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s := &sqlStore{db: db, b: b}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("database della CA %s: %w / CA database %s: %w", name, err, name, err)
	}
	return s, nil
}

func (sqlite) name() string           { return "sqlite" }
func (sqlite) rebind(q string) string { return q }
func (sqlite) ddl(q string) string    { return q }

// beginWrite takes the write lock with BEGIN IMMEDIATE. Another process on the same file may hold it
// past busy_timeout: SQLite's busy handler polls with growing sleeps and no queue (sqlite.org/c3ref/
// busy_handler.html), so a waiter under load can miss every gap an instance busy with back-to-back
// transactions leaves, and BEGIN answers SQLITE_BUSY. Nothing has been read or written yet, so waiting
// again is safe; a request that gave up here would be refused with a storage failure although the
// database is fine. The wait ends with the request's context or after busyRounds rounds.
func (b sqlite) beginWrite(ctx context.Context, db *sql.DB, _ []int64) (*sql.Tx, error) {
	for i := 1; ; i++ {
		t, err := db.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) || i >= b.rounds || ctx.Err() != nil {
			return t, err
		}
		busyWaits.Add(1)
	}
}

// busyWaits counts the busy_timeout waits beginWrite has begun again (the tests watch it).
var busyWaits atomic.Int64

// busyRounds bounds beginWrite's waits: busyRounds × busy_timeout (5 s) is a minute, the longest a
// client is kept waiting (Serve's WriteTimeout).
const busyRounds = 12

// isBusy reports SQLITE_BUSY (any extended code: its low byte is SQLITE_BUSY, sqlite.org/rescode.html).
func isBusy(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// beginRead: the one connection's transaction is a snapshot (and, begun IMMEDIATE, keeps other processes'
// writes out meanwhile).
func (b sqlite) beginRead(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	return b.beginWrite(ctx, db, nil)
}

// lockAudit: BEGIN IMMEDIATE took the file's write lock already.
func (sqlite) lockAudit(context.Context, conn) error { return nil }

// retryable: SQLite transactions are serial; there is nothing to run again.
func (sqlite) retryable(error) bool { return false }

func (sqlite) version(ctx context.Context, c conn) (int, error) {
	var v int
	err := c.row(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (sqlite) setVersion(ctx context.Context, c conn, v int) error {
	_, err := c.exec(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// postgres is the shared backend. Every write transaction runs at READ COMMITTED after taking the
// transaction-scoped advisory locks (PostgreSQL §13.3.5) of the holders whose state it decides on: each
// statement then sees every transaction of those holders committed before the locks were granted, so the
// decisions about one holder are those of one serial writer, while other holders' transactions run
// alongside. What two holders share is protected by the database itself: a balance is charged with a
// conditional UPDATE (… WHERE balance >= price, re-evaluated on the latest row version after a concurrent
// update, §13.2.1), a refund is a conditional UPDATE of its charge, keys are unique. The audit log's
// append takes one more advisory lock (auditLock), last, held through the commit. The locks go with the
// transaction: an instance killed mid-transaction loses its connection, and PostgreSQL rolls back and
// releases them.
type postgres struct{}

// pgConns is the connections one instance keeps to PostgreSQL at most.
const pgConns = 16

// auditLock is the audit log's advisory lock key ("ponteca" in ASCII; the writer lock of earlier
// versions, so an older instance still running during an upgrade waits for the same lock).
const auditLock = 0x706f6e74656361

// openPostgres keeps up to pgConns connections open: a PostgreSQL connection is a server process, so an
// instance does not connect per request (database/sql keeps only 2 idle by default). Writers wait for the
// audit lock at the end anyway; the bound keeps instances × connections under max_connections (100 by default).
func openPostgres(url string) (Store, error) {
	return openSQL("pgx", url, redact(url), postgres{}, pgConns)
}

// redact is a database URL without its password (libpq URLs may carry one as user:password@ or as
// ?password=): errors and logs name the database, never the secret. A URL that does not parse is
// replaced whole.
func redact(u string) string {
	p, err := neturl.Parse(u)
	if err != nil {
		return "(URL non leggibile / unparsable URL)"
	}
	if _, ok := p.User.Password(); ok {
		p.User = neturl.UserPassword(p.User.Username(), "xxxxx")
	}
	if q := p.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		p.RawQuery = q.Encode()
	}
	return p.String()
}

func (postgres) name() string { return "postgres" }

func (postgres) rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ddl: SQLite's INTEGER is 64-bit, PostgreSQL's 32-bit; BLOB is BYTEA.
func (postgres) ddl(q string) string {
	return strings.NewReplacer(" INTEGER", " BIGINT", " BLOB", " BYTEA").Replace(q)
}

func (postgres) beginWrite(ctx context.Context, db *sql.DB, holders []int64) (*sql.Tx, error) {
	t, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	for _, k := range holders {
		if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
			t.Rollback()
			return nil, err
		}
	}
	return t, nil
}

func (postgres) lockAudit(ctx context.Context, c conn) error {
	_, err := c.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(auditLock))
	return err
}

// retryable: SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure (PostgreSQL Appendix A).
func (postgres) retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

func (postgres) beginRead(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	return db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

func (postgres) version(ctx context.Context, c conn) (int, error) {
	if _, err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS ponte_schema (version BIGINT NOT NULL)`); err != nil {
		return 0, err
	}
	var v int
	err := c.row(ctx, `SELECT coalesce(max(version), 0) FROM ponte_schema`).Scan(&v)
	return v, err
}

func (postgres) setVersion(ctx context.Context, c conn, v int) error {
	if _, err := c.exec(ctx, `DELETE FROM ponte_schema`); err != nil {
		return err
	}
	_, err := c.exec(ctx, `INSERT INTO ponte_schema (version) VALUES (?)`, v)
	return err
}
