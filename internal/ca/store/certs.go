package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// insertCert records an issued certificate and logs it (EventIssue; the transaction, if any, is the
// caller's to name).
func insertCert(ctx context.Context, c conn, cert *Cert, txnID string) error {
	_, err := c.exec(ctx, `INSERT INTO certs (`+certCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		cert.Serial, cert.DER, cert.Subject, cert.Role, cert.Profile, unix(cert.NotBefore), unix(cert.NotAfter), cert.SPKISHA256, cert.Parent,
		unix(cert.LineageStart), cert.LineageRenewals, unix(cert.IssuedAt), unix(cert.RevokedAt), cert.RevocationReason)
	if err != nil {
		return err
	}
	detail := "profile=" + cert.Profile + " role=" + cert.Role
	if cert.Parent != "" {
		detail += " renews=" + cert.Parent
	}
	return appendAudit(ctx, c, Event{Event: EventIssue, TransactionID: txnID, Serial: cert.Serial, Detail: detail})
}

// PutCert records a certificate issued outside CMP (ponte-ca issue).
func (s *sqlStore) PutCert(ctx context.Context, c *Cert) error {
	// A renewal issued here counts in its parent's allowance (I2): under the parent's lock.
	return s.tx(ctx, holderKeys(c.Parent), func(tx conn) error { return insertCert(ctx, tx, c, "") })
}

// Cert finds a certificate by serial (ErrNotFound if the CA did not issue it).
func (s *sqlStore) Cert(ctx context.Context, serial string) (*Cert, error) {
	return scanCert(s.c().row(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, serial))
}

// Renewals counts the certificates ever issued renewing serial, whatever became of them (confirmed,
// rejected, revoked). The renewal allowance is ConfirmedRenewals, not this.
func (s *sqlStore) Renewals(ctx context.Context, serial string) (int, error) {
	var n int
	err := s.c().row(ctx, `SELECT count(*) FROM certs WHERE parent = ?`, serial).Scan(&n)
	return n, err
}

// ConfirmedRenewals counts the renewals of serial that consume its renewal allowance (invariant I2,
// docs/ca-profiles.md): certificates confirmed by certConf or by implicit confirmation, and those issued
// outside CMP (no transaction). A renewal waiting, issued but not yet confirmed, rejected in certConf,
// superseded or revoked unconfirmed does not count.
func (s *sqlStore) ConfirmedRenewals(ctx context.Context, serial string) (int, error) {
	return confirmedRenewals(ctx, s.c(), serial)
}

func confirmedRenewals(ctx context.Context, c conn, serial string) (int, error) {
	var n int
	err := c.row(ctx, `SELECT count(*) FROM certs c LEFT JOIN transactions t ON t.cert_serial = c.serial
		WHERE c.parent = ? AND (t.id IS NULL OR t.state = ?)`, serial, StateConfirmed).Scan(&n)
	return n, err
}

// Revoke marks a certificate revoked (RFC 5280 §5.3.1 reason code). Revoking twice keeps the first date.
// In the same SQL transaction every renewal of it not confirmed yet is closed (StateParentRevoked): one
// waiting is never issued, one issued is revoked and refunded — a stolen card's renewal by the thief
// does not stay valid until the unconfirmed window ends.
func (s *sqlStore) Revoke(ctx context.Context, serial string, reason int, at time.Time) error {
	return s.tx(ctx, holderKeys(serial), func(tx conn) error {
		done, err := revokeCert(ctx, tx, serial, reason, unix(at), "")
		if err != nil {
			return err
		}
		if !done {
			_, err := scanCert(tx.row(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, serial))
			return err
		}
		return closeRenewals(ctx, tx, serial, unix(time.Now()))
	})
}

// revokeCert marks a certificate revoked unless it already is, and logs it (EventRevoke, with why: the
// transaction that closed it, if any). It reports whether it revoked.
func revokeCert(ctx context.Context, c conn, serial string, reason int, at int64, txnID string) (bool, error) {
	res, err := c.exec(ctx, `UPDATE certs SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at = 0`, at, reason, serial)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, appendAudit(ctx, c, Event{Event: EventRevoke, Serial: serial, TransactionID: txnID, Detail: fmt.Sprintf("reason=%d at=%d", reason, at)})
}

// Revoked lists the revoked certificates (for the CRL).
func (s *sqlStore) Revoked(ctx context.Context) ([]*Cert, error) {
	list, _, err := s.RevokedAt(ctx)
	return list, err
}

// RevokedAt lists the revoked certificates and the audit log's last record, read on one snapshot: every
// revocation is logged in its own transaction, so the list is exactly the revocations up to that record.
// Instances sharing the database number their CRLs from it (RFC 5280 §5.2.3: the number grows with the
// content).
func (s *sqlStore) RevokedAt(ctx context.Context) ([]*Cert, int64, error) {
	var list []*Cert
	var seq int64
	err := s.readOnly(ctx, func(c conn) error {
		if err := c.row(ctx, `SELECT coalesce(max(seq), 0) FROM audit`).Scan(&seq); err != nil {
			return err
		}
		var err error
		list, err = certs(ctx, c, `WHERE revoked_at != 0 ORDER BY revoked_at, serial`)
		return err
	})
	return list, seq, err
}

// Certs lists every certificate, newest first.
func (s *sqlStore) Certs(ctx context.Context) ([]*Cert, error) {
	return certs(ctx, s.c(), `ORDER BY issued_at DESC, serial`)
}

func certs(ctx context.Context, c conn, where string) ([]*Cert, error) {
	rows, err := c.query(ctx, `SELECT `+certCols+` FROM certs `+where)
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
