// Package store keeps ponte-ca's state in SQLite (modernc.org/sqlite, pure Go): issued certificates and
// their lineage, revocations, CMP transactions (so a delayed request can be collected after a restart),
// prepaid accounts and the charges made to them. Every state change that must happen together (issue a
// certificate, charge the account, close the transaction) is one SQL transaction, which is what makes the
// charge happen exactly once however often a client retries or polls.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound            = errors.New("non trovato / not found")
	ErrExists              = errors.New("esiste già / already exists")
	ErrInsufficientBalance = errors.New("credito insufficiente / insufficient balance")
	ErrState               = errors.New("transazione in uno stato diverso / transaction in another state")
	ErrAlreadyRenewed      = errors.New("certificato già rinnovato / certificate already renewed")
	ErrParentRevoked       = errors.New("certificato da rinnovare revocato / certificate to renew revoked")
)

// schemaVersion is stored in PRAGMA user_version; a newer file is refused rather than misread.
const schemaVersion = 4

const schema = `
CREATE TABLE IF NOT EXISTS certs (
	serial TEXT PRIMARY KEY,          -- lower-case hex
	der BLOB NOT NULL,
	subject TEXT NOT NULL,
	role TEXT NOT NULL,
	profile TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	spki_sha256 TEXT NOT NULL,
	parent TEXT NOT NULL DEFAULT '',  -- serial this one renewed; '' for a first issuance
	lineage_start INTEGER NOT NULL,   -- notBefore of the lineage's first certificate
	lineage_renewals INTEGER NOT NULL DEFAULT 0,
	issued_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0,
	revocation_reason INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS certs_parent ON certs(parent);
CREATE TABLE IF NOT EXISTS transactions (
	id TEXT PRIMARY KEY,              -- hex transactionID
	profile TEXT NOT NULL,
	kind TEXT NOT NULL,               -- ir, cr, kur, p10cr
	request_sha256 TEXT NOT NULL,     -- of the request body: a retry sends the same one
	state TEXT NOT NULL,              -- waiting, issued, confirmed, rejected
	ready_at INTEGER NOT NULL,
	cert_req_id INTEGER NOT NULL,
	subject BLOB NOT NULL,
	spki BLOB NOT NULL,
	role TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	parent TEXT NOT NULL DEFAULT '',
	account TEXT NOT NULL DEFAULT '',
	price INTEGER NOT NULL DEFAULT 0,
	implicit_confirm INTEGER NOT NULL DEFAULT 0,
	mac_ref TEXT NOT NULL DEFAULT '',  -- senderKID of a MAC-protected request: answers use the same secret
	cert_serial TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_parent ON transactions(parent, state);
CREATE TABLE IF NOT EXISTS nonces (
	transaction_id TEXT NOT NULL,     -- every senderNonce the CA sent in a transaction
	nonce TEXT NOT NULL,
	PRIMARY KEY (transaction_id, nonce)
);
CREATE TABLE IF NOT EXISTS accounts (
	id TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	balance INTEGER NOT NULL,         -- cents
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
	transaction_id TEXT PRIMARY KEY,  -- one charge per transaction, ever
	account TEXT NOT NULL,
	amount INTEGER NOT NULL,
	cert_serial TEXT NOT NULL,
	at INTEGER NOT NULL,
	refunded_at INTEGER NOT NULL DEFAULT 0 -- the certificate was rejected by its holder: the amount went back
);
` + acceptancesTable + `;
` + holdsTable + `;
`

// acceptancesTable keeps the holders' acceptances of the terms (schema 3).
const acceptancesTable = `CREATE TABLE IF NOT EXISTS acceptances (
	transaction_id TEXT PRIMARY KEY,  -- the request that carried it (regInfo, docs/cmp.md)
	subject TEXT NOT NULL,            -- the holder, as the certificate names them
	parent TEXT NOT NULL DEFAULT '',  -- the certificate renewed
	terms_version TEXT NOT NULL,
	privacy_version TEXT NOT NULL,
	accepted_at INTEGER NOT NULL,     -- when the holder accepted, as the client says
	received_at INTEGER NOT NULL      -- when the CA received the request
)`

// upgrades bring an older database to schemaVersion: entry i runs on a database at version i+1.
var upgrades = []string{
	1: `ALTER TABLE charges ADD COLUMN refunded_at INTEGER NOT NULL DEFAULT 0`,
	2: acceptancesTable,
	3: holdsTable,
}

// Store is an open state database.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database at path.
func Open(path string) (*Store, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer anyway, and this keeps transactions strictly serial.
	db.SetMaxOpenConns(1)
	s := &Store{db: db}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("database della CA %s: %w / CA database %s: %w", path, err, path, err)
	}
	return s, nil
}

func (s *Store) migrate() error {
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > schemaVersion {
		return fmt.Errorf("versione dello schema %d più recente di questo programma (%d) / schema version %d is newer than this program (%d)", v, schemaVersion, v, schemaVersion)
	}
	if v > 0 {
		for i := v; i < schemaVersion; i++ {
			if _, err := s.db.Exec(upgrades[i]); err != nil {
				return fmt.Errorf("aggiornamento dello schema %d→%d / schema upgrade %d→%d: %w", i, i+1, i, i+1, err)
			}
		}
	}
	if _, err := s.db.Exec(schema); err != nil {
		return err
	}
	_, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
	return err
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// tx runs f in one SQL transaction.
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(t); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}
