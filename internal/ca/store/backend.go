package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	neturl "net/url"
	"strconv"
	"strings"
	"sync/atomic"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	msqlite "modernc.org/sqlite"       // database/sql driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlStore is Store over database/sql; backend holds what differs between SQLite and PostgreSQL. The
// queries are written once, with ? placeholders and SQLite's type names, and translated for PostgreSQL.
type sqlStore struct {
	db *sql.DB
	b  backend
}

// backend is one database kind.
type backend interface {
	name() string
	// rebind turns the ? placeholders of a query into the kind's own.
	rebind(q string) string
	// ddl turns a schema statement into the kind's types.
	ddl(q string) string
	// beginWrite starts a transaction holding the database's writer lock (see the package comment).
	beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error)
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

// conn runs queries on a database or in a transaction, translated for the backend.
type conn struct {
	r runner
	b backend
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
func (s *sqlStore) c() conn { return conn{s.db, s.b} }

func (s *sqlStore) Backend() string { return s.b.name() }

// Close closes the database.
func (s *sqlStore) Close() error { return s.db.Close() }

// tx runs f in one SQL transaction holding the writer lock.
func (s *sqlStore) tx(ctx context.Context, f func(conn) error) error {
	t, err := s.b.beginWrite(ctx, s.db)
	if err != nil {
		return err
	}
	if err := f(conn{t, s.b}); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// readOnly runs f on one snapshot of the database.
func (s *sqlStore) readOnly(ctx context.Context, f func(conn) error) error {
	t, err := s.b.beginRead(ctx, s.db)
	if err != nil {
		return err
	}
	defer t.Rollback()
	return f(conn{t, s.b})
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// migrate brings the schema to schemaVersion under the writer lock, so instances starting together on one
// PostgreSQL database do not race: upgrades[i] runs on a database at version i, then the whole schema
// (CREATE … IF NOT EXISTS) makes what is still missing. A database that had no audit log gets its opening
// record (audit.go).
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.tx(ctx, func(c conn) error {
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
func (b sqlite) beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
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
	return b.beginWrite(ctx, db)
}

func (sqlite) version(ctx context.Context, c conn) (int, error) {
	var v int
	err := c.row(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (sqlite) setVersion(ctx context.Context, c conn, v int) error {
	_, err := c.exec(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// postgres is the shared backend. Every write transaction runs at READ COMMITTED after taking one
// transaction-scoped advisory lock (PostgreSQL §13.3.5): each statement then sees every transaction
// committed before the lock was granted, so the decisions are those of one serial writer, as with SQLite,
// without serialization failures to retry. The lock goes with the transaction: an instance killed
// mid-transaction loses its connection, and PostgreSQL rolls back and releases it.
type postgres struct{}

// pgConns is the connections one instance keeps to PostgreSQL at most.
const pgConns = 16

// writerLock is the advisory lock's key ("ponteca" in ASCII).
const writerLock = 0x706f6e74656361

// openPostgres keeps up to pgConns connections open: a PostgreSQL connection is a server process, so an
// instance does not connect per request (database/sql keeps only 2 idle by default). Writers wait for the
// writer lock anyway; the bound keeps instances × connections under max_connections (100 by default).
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

func (postgres) beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	t, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writerLock)); err != nil {
		t.Rollback()
		return nil, err
	}
	return t, nil
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
