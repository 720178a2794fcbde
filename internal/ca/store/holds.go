package store

import (
	"context"
	"fmt"
	"time"
)

// Suspension (certificateHold) and reactivation (removeFromCRL), RFC 5280 §5.3.1: a certificate on hold
// is revoked with reason certificateHold (OCSP and the CRL say so at once, as for any revocation) and one
// row of holds says who suspended it and until when it may come back. Lifting the hold clears the
// revocation; a hold not lifted in time becomes a permanent revocation dated from the start of the
// suspension (ExpireHolds). Each of these is one SQL transaction under the certificate's lock (backend.go) that
// also appends its audit record (EventSuspend, EventReactivate, EventHoldExpired, or EventRevoke when the
// hold is made permanent), so instances sharing a database never end one hold twice.
// docs/ca-profiles.md, "Suspension and reactivation".

// holdsTable is schema 5 (it was 4 on the branch that brought it, before the audit log took that number).
// The table has no key of its own: a certificate has at most one open hold (Hold requires it not revoked),
// and its ended holds are ordered by their dates.
const holdsTable = `CREATE TABLE IF NOT EXISTS holds (
	serial TEXT NOT NULL,             -- the certificate suspended
	by_serial TEXT NOT NULL,          -- the certificate that signed the rr; '' for the CA operator
	holder TEXT NOT NULL,             -- the suspender's identities (codici fiscali), sorted, ','-joined; '' for the CA operator
	held_at INTEGER NOT NULL,
	until INTEGER NOT NULL,           -- last instant a reactivation is accepted
	ended_at INTEGER NOT NULL DEFAULT 0,
	outcome TEXT NOT NULL DEFAULT ''  -- 'reactivated', 'revoked' (made permanent), 'expired'
);
CREATE INDEX IF NOT EXISTS holds_serial ON holds(serial, ended_at)`

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

const holdCols = `serial, by_serial, holder, held_at, until, ended_at, outcome`

// holdOrder: oldest first; an open hold (ended_at 0) after the ended ones of the same instant.
const holdOrder = ` ORDER BY held_at, ended_at = 0, ended_at`

func scanHold(r scanner) (HoldRecord, error) {
	var h HoldRecord
	var held, until, ended int64
	err := r.Scan(&h.Serial, &h.By, &h.Holder, &held, &until, &ended, &h.Outcome)
	h.HeldAt, h.Until, h.EndedAt = fromUnix(held), fromUnix(until), fromUnix(ended)
	return h, err
}

// Hold suspends serial (reason certificateHold) in one SQL transaction with the holds row and its audit
// record, and closes its renewals not confirmed yet as a revocation does (the card may be in a thief's
// hands). ErrState: the certificate is already revoked or on hold.
func (s *sqlStore) Hold(ctx context.Context, h HoldRecord) error {
	return s.tx(ctx, holderKeys(h.Serial), func(tx conn) error {
		res, err := tx.exec(ctx, `UPDATE certs SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at = 0`,
			unix(h.HeldAt), reasonCertificateHold, h.Serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := scanCert(tx.row(ctx, `SELECT `+certCols+` FROM certs WHERE serial = ?`, h.Serial)); err != nil {
				return err
			}
			return ErrState
		}
		if _, err := tx.exec(ctx, `INSERT INTO holds (serial, by_serial, holder, held_at, until) VALUES (?,?,?,?,?)`,
			h.Serial, h.By, h.Holder, unix(h.HeldAt), unix(h.Until)); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, Event{Event: EventSuspend, Serial: h.Serial,
			// " at=": the revocation time the hold sets, which a permanent revocation keeps (VerifyAudit).
			Detail: holdDetail(h.By, h.Holder, unix(h.Until)) + fmt.Sprintf(" at=%d", unix(h.HeldAt))}); err != nil {
			return err
		}
		return closeRenewals(ctx, tx, h.Serial, unix(h.HeldAt))
	})
}

// ActiveHold is the suspension serial is under (ErrNotFound: none — not suspended, or suspended by the
// CA operator with `ponte-ca revoke --reason 6`, which leaves no row).
func (s *sqlStore) ActiveHold(ctx context.Context, serial string) (*HoldRecord, error) {
	h, err := scanHold(s.c().row(ctx, `SELECT h.serial, h.by_serial, h.holder, h.held_at, h.until, h.ended_at, h.outcome
		FROM holds h JOIN certs c ON c.serial = h.serial
		WHERE h.serial = ? AND h.ended_at = 0 AND c.revoked_at != 0 AND c.revocation_reason = ?`,
		serial, reasonCertificateHold))
	if isNoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// Holds lists every suspension of serial, oldest first.
func (s *sqlStore) Holds(ctx context.Context, serial string) ([]HoldRecord, error) {
	rows, err := s.c().query(ctx, `SELECT `+holdCols+` FROM holds WHERE serial = ?`+holdOrder, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HoldRecord
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// EndHold ends serial's suspension at now. HoldReactivated clears the revocation (removeFromCRL: OCSP
// says good again; EventReactivate); HoldRevoked makes it permanent with reason, keeping the date the
// hold began (X.509 §7.3: the revocation dates from the suspension; EventRevoke). ErrState: the
// certificate is not on hold (another instance, or the expiry sweep, ended it first). by, when not
// empty, is the certificate that signed the request: it must still be unrevoked when the hold ends
// (ErrSignerRevoked); the operator and the CA's own sweeps pass "".
func (s *sqlStore) EndHold(ctx context.Context, serial, by, outcome string, reason int, now time.Time) error {
	return s.tx(ctx, holderKeys(serial, by), func(tx conn) error {
		if by != "" && by != serial {
			// The signer's validity was judged before this transaction; under its lock now (a revocation
			// of it takes the same lock), so a card revoked just before its signed reactivation cannot
			// still lift the hold.
			var revokedAt int64
			if err := tx.row(ctx, `SELECT revoked_at FROM certs WHERE serial = ?`, by).Scan(&revokedAt); err != nil {
				return err
			}
			if revokedAt != 0 {
				return ErrSignerRevoked
			}
		}
		q := `UPDATE certs SET revocation_reason = ? WHERE serial = ? AND revoked_at != 0 AND revocation_reason = ?`
		args := []any{reason, serial, reasonCertificateHold}
		e := Event{Event: EventRevoke, Serial: serial, Detail: fmt.Sprintf("reason=%d held", reason)}
		if outcome == HoldReactivated {
			q, args = `UPDATE certs SET revoked_at = 0, revocation_reason = 0 WHERE serial = ? AND revoked_at != 0 AND revocation_reason = ?`,
				[]any{serial, reasonCertificateHold}
			e = Event{Event: EventReactivate, Serial: serial}
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrState
		}
		if _, err = tx.exec(ctx, `UPDATE holds SET ended_at = ?, outcome = ? WHERE serial = ? AND ended_at = 0`, unix(now), outcome, serial); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e)
	})
}

// ExpireHolds makes permanent (reason unspecified, dated from the suspension) every hold whose window
// ended before now, and returns how many. Run before the CA answers CMP, OCSP or the CRL, so no answer
// shows a suspension that can no longer be lifted. Each hold due is ended in its own SQL transaction
// under its certificate's lock, with a conditional UPDATE of its row: instances sweeping together end
// each hold once, with one EventHoldExpired record.
func (s *sqlStore) ExpireHolds(ctx context.Context, now time.Time) (int, error) {
	// Read first without any lock: OCSP answers call this, and almost always there is nothing to write.
	serials, err := strs(ctx, s.c(), `SELECT serial FROM holds WHERE ended_at = 0 AND until < ? ORDER BY serial`, unix(now))
	if err != nil {
		return 0, err
	}
	return closeEach(serials, func(serial string) error {
		return s.tx(ctx, holderKeys(serial), func(tx conn) error { return expireHold(ctx, tx, serial, now) })
	})
}

// expireHold ends serial's hold if it is still open and due (ErrState otherwise).
func expireHold(ctx context.Context, tx conn, serial string, now time.Time) error {
	res, err := tx.exec(ctx, `UPDATE holds SET ended_at = ?, outcome = ? WHERE serial = ? AND ended_at = 0 AND until < ?`, unix(now), HoldExpired, serial, unix(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrState
	}
	if _, err := tx.exec(ctx, `UPDATE certs SET revocation_reason = ? WHERE serial = ? AND revoked_at != 0 AND revocation_reason = ?`,
		reasonUnspecified, serial, reasonCertificateHold); err != nil {
		return err
	}
	return appendAudit(ctx, tx, Event{Event: EventHoldExpired, Serial: serial, Detail: fmt.Sprintf("reason=%d", reasonUnspecified)})
}
