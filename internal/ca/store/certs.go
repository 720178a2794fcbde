package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Cert is an issued certificate as the CA remembers it.
type Cert struct {
	Serial           string // lower-case hex, no leading zeros
	DER              []byte
	Subject          string
	Role             string
	Profile          string
	NotBefore        time.Time
	NotAfter         time.Time
	SPKISHA256       string // hex SHA-256 of the SubjectPublicKeyInfo
	Parent           string // serial of the certificate this one renewed, "" for a first issuance
	LineageStart     time.Time
	LineageRenewals  int
	IssuedAt         time.Time
	RevokedAt        time.Time // zero: not revoked
	RevocationReason int       // RFC 5280 §5.3.1 CRLReason
}

const certCols = `serial, der, subject, role, profile, not_before, not_after, spki_sha256, parent, lineage_start,
	lineage_renewals, issued_at, revoked_at, revocation_reason`

type scanner interface{ Scan(...any) error }

func scanCert(r scanner) (*Cert, error) {
	var c Cert
	var nb, na, ls, ia, ra int64
	err := r.Scan(&c.Serial, &c.DER, &c.Subject, &c.Role, &c.Profile, &nb, &na, &c.SPKISHA256, &c.Parent, &ls,
		&c.LineageRenewals, &ia, &ra, &c.RevocationReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.NotBefore, c.NotAfter, c.LineageStart, c.IssuedAt, c.RevokedAt = fromUnix(nb), fromUnix(na), fromUnix(ls), fromUnix(ia), fromUnix(ra)
	return &c, nil
}

func insertCert(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, c *Cert) error {
	_, err := q.ExecContext(ctx, `INSERT INTO certs (`+certCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.Serial, c.DER, c.Subject, c.Role, c.Profile, unix(c.NotBefore), unix(c.NotAfter), c.SPKISHA256, c.Parent,
		unix(c.LineageStart), c.LineageRenewals, unix(c.IssuedAt), unix(c.RevokedAt), c.RevocationReason)
	return err
}

// PutCert records a certificate issued outside CMP (ponte-ca issue).
func (s *Store) PutCert(ctx context.Context, c *Cert) error {
	return insertCert(ctx, s.db, c)
}

// Cert finds a certificate by serial (ErrNotFound if the CA did not issue it).
func (s *Store) Cert(ctx context.Context, serial string) (*Cert, error) {
	return scanCert(s.db.QueryRowContext(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, serial))
}

// Renewals counts the certificates ever issued renewing serial, whatever became of them (confirmed,
// rejected, revoked). The renewal allowance is ConfirmedRenewals, not this.
func (s *Store) Renewals(ctx context.Context, serial string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM certs WHERE parent = ?`, serial).Scan(&n)
	return n, err
}

// ConfirmedRenewals counts the renewals of serial that consume its renewal allowance (invariant I2,
// docs/ca-profiles.md): certificates confirmed by certConf or by implicit confirmation, and those issued
// outside CMP (no transaction). A renewal waiting, issued but not yet confirmed, rejected in certConf,
// superseded or revoked unconfirmed does not count.
func (s *Store) ConfirmedRenewals(ctx context.Context, serial string) (int, error) {
	return confirmedRenewals(ctx, s.db, serial)
}

type queryer interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func confirmedRenewals(ctx context.Context, q queryer, serial string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM certs c LEFT JOIN transactions t ON t.cert_serial = c.serial
		WHERE c.parent = ? AND (t.id IS NULL OR t.state = ?)`, serial, StateConfirmed).Scan(&n)
	return n, err
}

// Revoke marks a certificate revoked (RFC 5280 §5.3.1 reason code). Revoking twice keeps the first date.
// In the same SQL transaction every renewal of it not confirmed yet is closed (StateParentRevoked): one
// waiting is never issued, one issued is revoked and refunded — a stolen card's renewal by the thief
// does not stay valid until the unconfirmed window ends.
func (s *Store) Revoke(ctx context.Context, serial string, reason int, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certs SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at = 0`,
			unix(at), reason, serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, serial))
			return err
		}
		return closeRenewals(ctx, tx, serial, unix(time.Now()))
	})
}

// Revoked lists the revoked certificates (for the CRL).
func (s *Store) Revoked(ctx context.Context) ([]*Cert, error) {
	return s.certs(ctx, `WHERE revoked_at != 0 ORDER BY revoked_at`)
}

// Certs lists every certificate, newest first.
func (s *Store) Certs(ctx context.Context) ([]*Cert, error) {
	return s.certs(ctx, `ORDER BY issued_at DESC, serial`)
}

func (s *Store) certs(ctx context.Context, where string) ([]*Cert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+certCols+` FROM certs `+where)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Cert
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
