// Package store keeps ponte-ca's state: issued certificates and their lineage, revocations, CMP
// transactions (so a delayed request can be collected after a restart, by any instance), prepaid accounts
// and the charges made to them, and the hash-chained audit log (audit.go). Every state change that must
// happen together (issue a certificate, charge the account, close the transaction, log it) is one SQL
// transaction, which is what makes the charge happen exactly once however often a client retries or polls.
//
// Store is the interface the CA uses; Open gives one of its two backends (backend.go): an embedded SQLite
// file (modernc.org/sqlite, pure Go; the default, for the demo and small PKIs) or a PostgreSQL database
// that several ponte-ca instances share (github.com/jackc/pgx). Both run the same SQL, so one behaviour
// test suite covers both (store_test.go). Every transaction that writes takes first the lock of the holder
// it decides for — the certificate renewed, revoked or suspended, or the CMP transaction of a first
// issuance (SQLite: BEGIN IMMEDIATE, the file's one lock; PostgreSQL: transaction-scoped advisory locks,
// then READ COMMITTED) — so the reads a decision depends on (a transaction's state, the count of confirmed
// renewals, a revocation) are made under it and cannot be stale, while other holders' transactions run
// alongside. What holders share is left to the database: unique keys (serials, transaction ids, one
// charge per transaction), state moved by conditional UPDATEs, balances changed by conditional UPDATEs
// and the audit log appended, both at the end under one short global lock (backend.go, audit.go).
// Signing, parsing and verifying, the costly part of a request, stay outside.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound            = errors.New("non trovato / not found")
	ErrExists              = errors.New("esiste già / already exists")
	ErrInsufficientBalance = errors.New("credito insufficiente / insufficient balance")
	ErrState               = errors.New("transazione in uno stato diverso / transaction in another state")
	ErrAlreadyRenewed      = errors.New("certificato già rinnovato / certificate already renewed")
	ErrParentRevoked       = errors.New("certificato da rinnovare revocato / certificate to renew revoked")
	ErrSignerRevoked       = errors.New("certificato firmatario revocato / signing certificate revoked")
)

// schemaVersion is stored in the database (SQLite: PRAGMA user_version; PostgreSQL: table
// ponte_schema); a newer database is refused rather than misread. Version 4 had two meanings on two
// branches (the audit log, or the holds table on SQLite); both upgrades are CREATE TABLE IF NOT EXISTS and
// the schema makes whatever is still missing, so a database at 4 of either kind comes to 5 whole (a log
// started then gets its opening records, holds included: openAudit).
const schemaVersion = 5

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
CREATE INDEX IF NOT EXISTS transactions_state ON transactions(state, updated_at);
CREATE INDEX IF NOT EXISTS transactions_cert ON transactions(cert_serial);
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
CREATE INDEX IF NOT EXISTS charges_account ON charges(account);
` + acceptancesTable + `;
` + auditTable + `;
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
	3: auditTable,
	4: holdsTable,
}

// Store is an open state database (SQLite or PostgreSQL). Its methods are safe for concurrent use, also
// by several processes on one PostgreSQL database.
type Store interface {
	// Accounts (accounts.go).
	AddAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, id string) (*Account, error)
	Credit(ctx context.Context, id string, cents int64) error
	Charges(ctx context.Context, account string) ([]Charge, error)

	// Certificates (certs.go).
	PutCert(ctx context.Context, c *Cert) error
	Cert(ctx context.Context, serial string) (*Cert, error)
	Renewals(ctx context.Context, serial string) (int, error)
	ConfirmedRenewals(ctx context.Context, serial string) (int, error)
	Revoke(ctx context.Context, serial string, reason int, at time.Time) error
	Revoked(ctx context.Context) ([]*Cert, error)
	RevokedAt(ctx context.Context) ([]*Cert, int64, error)
	Certs(ctx context.Context) ([]*Cert, error)

	// Suspensions (holds.go).
	Hold(ctx context.Context, h HoldRecord) error
	ActiveHold(ctx context.Context, serial string) (*HoldRecord, error)
	Holds(ctx context.Context, serial string) ([]HoldRecord, error)
	EndHold(ctx context.Context, serial, by, outcome string, reason int, now time.Time) error
	ExpireHolds(ctx context.Context, now time.Time) (int, error)

	// CMP transactions (transactions.go).
	CreateTxn(ctx context.Context, t *Txn) error
	Acceptances(ctx context.Context, serial string) ([]Acceptance, error)
	TxnForCert(ctx context.Context, serial string) (*Txn, error)
	Waiting(ctx context.Context, parent string) (*Txn, error)
	Txn(ctx context.Context, id string) (*Txn, error)
	Issue(ctx context.Context, txnID string, c *Cert, confirmed bool, allowance int) error
	Finish(ctx context.Context, txnID, state string, allowance int) error
	Withdraw(ctx context.Context, txnID string, reason int) error
	CloseUnconfirmed(ctx context.Context, cutoff time.Time) (int, error)
	Abandon(ctx context.Context, txnID string) error
	AddNonce(ctx context.Context, txnID string, nonce []byte) error
	KnownNonce(ctx context.Context, txnID string, nonce []byte) (bool, error)
	ClaimRR(ctx context.Context, txnID string) (bool, error)

	// The audit log (audit.go).
	Refuse(ctx context.Context, e Event) error
	Audit(ctx context.Context, after int64, limit int) ([]Record, error)
	VerifyAudit(ctx context.Context) (*AuditReport, error)

	// Health and metrics of ponte-ca (health.go).
	Ping(ctx context.Context) error
	Pending(ctx context.Context) (map[string]int, error)

	// Backend names the database kind: "sqlite" or "postgres".
	Backend() string
	Close() error
}

// Open opens (creating or upgrading the schema if needed) the database named by url: "sqlite:PATH",
// "postgres://…" or "postgresql://…" (libpq's URL form, e.g. postgres:///ponte?host=/run/postgresql), or
// a bare file path, which is SQLite.
func Open(url string) (Store, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		if redact(url) != url {
			// The URL is recorded in config.json (mode 0644) and given as --db, which every local user
			// reads in the process list: the password goes where libpq and pgx look for it instead.
			return nil, fmt.Errorf("database %s: la password non va nell'URL; usare PGPASSWORD o ~/.pgpass (PGPASSFILE) / the password does not go in the URL; use PGPASSWORD or ~/.pgpass (PGPASSFILE)", redact(url))
		}
		return openPostgres(url)
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(strings.TrimPrefix(url, "sqlite:"))
	case strings.Contains(url, "://"):
		return nil, fmt.Errorf("database %q: sono ammessi sqlite:PERCORSO e postgres://… / only sqlite:PATH and postgres://… are accepted", redact(url))
	}
	return openSQLite(url)
}

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
