package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Suspension (certificateHold) and reactivation (removeFromCRL), RFC 5280 §5.3.1: a certificate on hold
// is revoked with reason certificateHold (OCSP and the CRL say so at once, as for any revocation) and one
// row of holds says who suspended it and until when it may come back. Lifting the hold clears the
// revocation; a hold not lifted in time becomes a permanent revocation dated from the start of the
// suspension (ExpireHolds). docs/ca-profiles.md, "Suspension and reactivation".

// holdsTable is schema 4.
const holdsTable = `CREATE TABLE IF NOT EXISTS holds (
	serial TEXT NOT NULL,             -- the certificate suspended
	by_serial TEXT NOT NULL,          -- the certificate that signed the rr; '' for the CA operator
	holder TEXT NOT NULL,             -- the suspender's identities (codici fiscali), sorted, ','-joined
	held_at INTEGER NOT NULL,
	until INTEGER NOT NULL,           -- last instant a reactivation is accepted
	ended_at INTEGER NOT NULL DEFAULT 0,
	outcome TEXT NOT NULL DEFAULT ''  -- 'reactivated', 'revoked' (made permanent), 'expired'
)`

// CRLReason codes (RFC 5280 §5.3.1) the holds use.
const (
	reasonUnspecified     = 0
	reasonCertificateHold = 6
)

// Hold outcomes.
const (
	HoldReactivated = "reactivated"
	HoldRevoked     = "revoked"
	HoldExpired     = "expired"
)

// HoldRecord is one suspension.
type HoldRecord struct {
	Serial, By, Holder string
	HeldAt, Until      time.Time
	EndedAt            time.Time // zero while the certificate is on hold
	Outcome            string
}

// Hold suspends serial (reason certificateHold) in one SQL transaction with the holds row, and closes
// its renewals not confirmed yet as a revocation does (the card may be in a thief's hands).
// ErrState: the certificate is already revoked or on hold.
func (s *Store) Hold(ctx context.Context, h HoldRecord) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certs SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at = 0`,
			unix(h.HeldAt), reasonCertificateHold, h.Serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, h.Serial)); err != nil {
				return err
			}
			return ErrState
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO holds (serial, by_serial, holder, held_at, until) VALUES (?,?,?,?,?)`,
			h.Serial, h.By, h.Holder, unix(h.HeldAt), unix(h.Until)); err != nil {
			return err
		}
		return closeRenewals(ctx, tx, h.Serial, unix(h.HeldAt))
	})
}

// ActiveHold is the suspension serial is under (ErrNotFound: none — not suspended, or suspended by the
// CA operator with `ponte-ca revoke --reason 6`, which leaves no row).
func (s *Store) ActiveHold(ctx context.Context, serial string) (*HoldRecord, error) {
	var h HoldRecord
	var held, until int64
	err := s.db.QueryRowContext(ctx, `SELECT h.serial, h.by_serial, h.holder, h.held_at, h.until FROM holds h JOIN certs c ON c.serial = h.serial
		WHERE h.serial = ? AND h.ended_at = 0 AND c.revoked_at != 0 AND c.revocation_reason = ? ORDER BY h.rowid DESC LIMIT 1`,
		serial, reasonCertificateHold).Scan(&h.Serial, &h.By, &h.Holder, &held, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	h.HeldAt, h.Until = fromUnix(held), fromUnix(until)
	return &h, err
}

// Holds lists every suspension of serial, oldest first.
func (s *Store) Holds(ctx context.Context, serial string) ([]HoldRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT serial, by_serial, holder, held_at, until, ended_at, outcome FROM holds WHERE serial = ? ORDER BY rowid`, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HoldRecord
	for rows.Next() {
		var h HoldRecord
		var held, until, ended int64
		if err := rows.Scan(&h.Serial, &h.By, &h.Holder, &held, &until, &ended, &h.Outcome); err != nil {
			return nil, err
		}
		h.HeldAt, h.Until, h.EndedAt = fromUnix(held), fromUnix(until), fromUnix(ended)
		out = append(out, h)
	}
	return out, rows.Err()
}

// EndHold ends serial's suspension at now. HoldReactivated clears the revocation (removeFromCRL: OCSP
// says good again); HoldRevoked makes it permanent with reason, keeping the date the hold began (X.509
// §7.3: the revocation dates from the suspension). ErrState: the certificate is not on hold.
func (s *Store) EndHold(ctx context.Context, serial, outcome string, reason int, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE certs SET revocation_reason = ? WHERE serial = ? AND revoked_at != 0 AND revocation_reason = ?`
		args := []any{reason, serial, reasonCertificateHold}
		if outcome == HoldReactivated {
			q, args = `UPDATE certs SET revoked_at = 0, revocation_reason = 0 WHERE serial = ? AND revoked_at != 0 AND revocation_reason = ?`,
				[]any{serial, reasonCertificateHold}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrState
		}
		_, err = tx.ExecContext(ctx, `UPDATE holds SET ended_at = ?, outcome = ? WHERE serial = ? AND ended_at = 0`, unix(now), outcome, serial)
		return err
	})
}

// ExpireHolds makes permanent (reason unspecified, dated from the suspension) every hold whose window
// ended before now, and returns how many. Run before the CA answers CMP, OCSP or the CRL, so no answer
// shows a suspension that can no longer be lifted.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time) (int, error) {
	// Read first: OCSP answers call this, and almost always there is nothing to write.
	var due bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM holds WHERE ended_at = 0 AND until < ?)`, unix(now)).Scan(&due); err != nil || !due {
		return 0, err
	}
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certs SET revocation_reason = ? WHERE revoked_at != 0 AND revocation_reason = ?
			AND serial IN (SELECT serial FROM holds WHERE ended_at = 0 AND until < ?)`, reasonUnspecified, reasonCertificateHold, unix(now))
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n = int(m)
		_, err = tx.ExecContext(ctx, `UPDATE holds SET ended_at = ?, outcome = ? WHERE ended_at = 0 AND until < ?`, unix(now), HoldExpired, unix(now))
		return err
	})
	return n, err
}
