package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Transaction states.
const (
	StateWaiting   = "waiting"   // accepted, certificate not issued yet (delayed issuance)
	StateIssued    = "issued"    // certificate issued, waiting for certConf
	StateConfirmed = "confirmed" // certConf accepted it, or implicit confirmation
	StateRejected  = "rejected"  // the client rejected the certificate in certConf, or it could not be paid
	// StateSuperseded: a newer request for the same certificate replaced this one (before issuance, or
	// after it while unconfirmed: then its certificate was revoked and refunded).
	StateSuperseded = "superseded"
	// StateUnconfirmed: issued but never confirmed within the CA's window; revoked and refunded.
	StateUnconfirmed = "unconfirmed"
	// StateParentRevoked: the certificate renewed was revoked before this renewal was confirmed (a card
	// reported stolen); never issued, or revoked and refunded.
	StateParentRevoked = "parentRevoked"
	// StateWithdrawn: the holder revoked the renewal's certificate with an rr before using it on the card
	// (the renewal engine's rollback or "Annulla il rinnovo" after an implicit confirmation); refunded and
	// not counted, like a rejection in certConf.
	StateWithdrawn = "withdrawn"
)

// Txn is a CMP transaction with everything needed to issue its certificate later, even after a restart.
type Txn struct {
	ID              string // hex transactionID
	Profile         string
	Kind            string
	RequestSHA256   string
	State           string
	ReadyAt         time.Time
	CertReqID       int
	Subject         []byte // DER Name
	SPKI            []byte // DER SubjectPublicKeyInfo
	Role            string
	NotBefore       time.Time
	NotAfter        time.Time
	Parent          string
	Account         string
	Price           int64
	ImplicitConfirm bool
	MACRef          string
	CertSerial      string
	CreatedAt       time.Time
	// Acceptance, when the request carried one, is recorded with the transaction (not read back here:
	// Acceptances lists them).
	Acceptance *Acceptance
}

// Acceptance is the holder's acceptance of the CA's terms and privacy notice that a request carried
// (cmp.TermsRegInfo), kept as evidence.
type Acceptance struct {
	TransactionID, Subject, Parent string
	TermsVersion, PrivacyVersion   string
	AcceptedAt, ReceivedAt         time.Time
	CertSerial                     string // of the certificate the transaction issued, if any
	State                          string // of the transaction
}

const txnCols = `id, profile, kind, request_sha256, state, ready_at, cert_req_id, subject, spki, role, not_before,
	not_after, parent, account, price, implicit_confirm, mac_ref, cert_serial, created_at`

func scanTxn(r scanner) (*Txn, error) {
	var t Txn
	var ra, nb, na, ca int64
	var ic int
	err := r.Scan(&t.ID, &t.Profile, &t.Kind, &t.RequestSHA256, &t.State, &ra, &t.CertReqID, &t.Subject, &t.SPKI,
		&t.Role, &nb, &na, &t.Parent, &t.Account, &t.Price, &ic, &t.MACRef, &t.CertSerial, &ca)
	if isNoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.ReadyAt, t.NotBefore, t.NotAfter, t.CreatedAt = fromUnix(ra), fromUnix(nb), fromUnix(na), fromUnix(ca)
	t.ImplicitConfirm = ic != 0
	return &t, nil
}

// CreateTxn records a new accepted request in state waiting. ErrExists if the transactionID is taken.
// A renewal supersedes any other renewal of the same certificate still waiting (never issued, never
// charged), in the same SQL transaction.
func (s *sqlStore) CreateTxn(ctx context.Context, t *Txn) error {
	ic := 0
	if t.ImplicitConfirm {
		ic = 1
	}
	now := unix(time.Now())
	err := s.tx(ctx, holderKeys(holderOf(t)), func(tx conn) error {
		res, err := tx.exec(ctx, `INSERT INTO transactions (`+txnCols+`, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING`,
			t.ID, t.Profile, t.Kind, t.RequestSHA256, StateWaiting, unix(t.ReadyAt), t.CertReqID, t.Subject, t.SPKI, t.Role,
			unix(t.NotBefore), unix(t.NotAfter), t.Parent, t.Account, t.Price, ic, t.MACRef, "", now, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrExists
		}
		if a := t.Acceptance; a != nil {
			if _, err := tx.exec(ctx, `INSERT INTO acceptances (transaction_id, subject, parent, terms_version, privacy_version, accepted_at, received_at)
				VALUES (?,?,?,?,?,?,?)`, t.ID, a.Subject, t.Parent, a.TermsVersion, a.PrivacyVersion, unix(a.AcceptedAt), now); err != nil {
				return err
			}
		}
		if t.Parent == "" {
			return nil
		}
		_, err = tx.exec(ctx, `UPDATE transactions SET state = ?, updated_at = ? WHERE parent = ? AND state = ? AND id != ?`,
			StateSuperseded, now, t.Parent, StateWaiting, t.ID)
		return err
	})
	if err != nil {
		return err
	}
	t.State = StateWaiting
	return nil
}

// Acceptances lists the recorded acceptances of terms, oldest first; serial, when not empty, keeps those
// whose transaction renewed or issued that certificate.
func (s *sqlStore) Acceptances(ctx context.Context, serial string) ([]Acceptance, error) {
	rows, err := s.c().query(ctx, `SELECT a.transaction_id, a.subject, a.parent, a.terms_version, a.privacy_version,
		a.accepted_at, a.received_at, t.cert_serial, t.state FROM acceptances a JOIN transactions t ON t.id = a.transaction_id
		WHERE ? = '' OR a.parent = ? OR t.cert_serial = ? ORDER BY a.received_at, a.transaction_id`, serial, serial, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Acceptance
	for rows.Next() {
		var a Acceptance
		var acc, rec int64
		if err := rows.Scan(&a.TransactionID, &a.Subject, &a.Parent, &a.TermsVersion, &a.PrivacyVersion, &acc, &rec, &a.CertSerial, &a.State); err != nil {
			return nil, err
		}
		a.AcceptedAt, a.ReceivedAt = fromUnix(acc), fromUnix(rec)
		out = append(out, a)
	}
	return out, rows.Err()
}

// TxnForCert finds the transaction that issued a certificate (ErrNotFound for direct issuance).
func (s *sqlStore) TxnForCert(ctx context.Context, serial string) (*Txn, error) {
	return scanTxn(s.c().row(ctx, `SELECT `+txnCols+` FROM transactions WHERE cert_serial = ?`, serial))
}

// Waiting returns the renewal of a certificate still waiting to be issued (ErrNotFound if none).
func (s *sqlStore) Waiting(ctx context.Context, parent string) (*Txn, error) {
	return scanTxn(s.c().row(ctx, `SELECT `+txnCols+` FROM transactions WHERE parent = ? AND state = ?`, parent, StateWaiting))
}

// Txn finds a transaction by its hex id.
func (s *sqlStore) Txn(ctx context.Context, id string) (*Txn, error) {
	return scanTxn(s.c().row(ctx, `SELECT `+txnCols+` FROM transactions WHERE id = ?`, id))
}

// holderOf names the holder whose lock guards a CMP transaction's decisions (backend.go): the
// certificate it renews — its renewal allowance (I2), its other renewals to supersede, its revocation —
// or, for a first issuance, the transaction itself.
func holderOf(t *Txn) string {
	if t.Parent != "" {
		return t.Parent
	}
	return "txn:" + t.ID
}

// txnTx runs f in a write transaction holding the lock of txnID's holder and those more names, with the
// CMP transaction read again under the locks. The first read, without a lock, only finds the holder: a
// transaction's id and parent never change.
func (s *sqlStore) txnTx(ctx context.Context, txnID string, more func(*Txn) []string, f func(tx conn, t *Txn) error) error {
	t, err := s.Txn(ctx, txnID)
	if err != nil {
		return err
	}
	names := []string{holderOf(t)}
	if more != nil {
		names = append(names, more(t)...)
	}
	return s.tx(ctx, holderKeys(names...), func(tx conn) error {
		t, err := scanTxn(tx.row(ctx, `SELECT `+txnCols+` FROM transactions WHERE id = ?`, txnID))
		if err != nil {
			return err
		}
		return f(tx, t)
	})
}

// setState moves transaction id from state from to state to, or answers ErrState when it is no longer
// in from: the database itself refuses a second transition from the same state, whatever the locks.
func setState(ctx context.Context, tx conn, id, from, to string, now int64) error {
	res, err := tx.exec(ctx, `UPDATE transactions SET state = ?, updated_at = ? WHERE id = ? AND state = ?`, to, now, id, from)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrState
	}
	return nil
}

// Issue records the certificate of a waiting transaction and, for a paid one, charges the account, in
// one SQL transaction: either all happens or nothing. A transaction that is no longer waiting is left
// alone (ErrState), so a retried or repeated poll can never issue or charge twice. An account that
// cannot pay gets ErrInsufficientBalance and nothing is issued; the renewal of a certificate revoked
// meanwhile, ErrParentRevoked.
//
// For a renewal, allowance is the profile's renewals per certificate (0: unlimited): when the renewed
// certificate already has that many confirmed renewals nothing is issued (ErrAlreadyRenewed). The count
// is read inside the same SQL transaction, so two requests racing for the same certificate cannot both
// pass. Any other renewal of the same certificate issued but not confirmed is superseded here: revoked
// and refunded (invariants I2, I3), so at most one unconfirmed renewal of a certificate exists at a time
// and at most allowance are ever confirmed.
func (s *sqlStore) Issue(ctx context.Context, txnID string, c *Cert, confirmed bool, allowance int) error {
	return s.txnTx(ctx, txnID, nil, func(tx conn, t *Txn) error {
		if t.State != StateWaiting {
			return ErrState
		}
		now := unix(time.Now())
		if t.Parent != "" {
			if err := checkParentValid(ctx, tx, t.Parent); err != nil {
				return err
			}
			if err := checkAllowance(ctx, tx, t.Parent, allowance); err != nil {
				return err
			}
			if err := supersedeUnconfirmed(ctx, tx, t.Parent, txnID, now); err != nil {
				return err
			}
		}
		if t.Price > 0 {
			// The debit, balance >= price, is made at the end (changeBalance): ErrInsufficientBalance there.
			changeBalance(tx, t.Account, -t.Price, true)
			if _, err := tx.exec(ctx, `INSERT INTO charges (transaction_id, account, amount, cert_serial, at) VALUES (?,?,?,?,?)`,
				txnID, t.Account, t.Price, c.Serial, now); err != nil {
				return fmt.Errorf("addebito / charge: %w", err)
			}
			if err := appendAudit(ctx, tx, Event{Event: EventCharge, TransactionID: txnID, Serial: c.Serial, Account: t.Account, Amount: t.Price}); err != nil {
				return err
			}
		}
		if err := insertCert(ctx, tx, c, txnID); err != nil {
			return err
		}
		state := StateIssued
		if confirmed {
			state = StateConfirmed
		}
		res, err := tx.exec(ctx, `UPDATE transactions SET state = ?, cert_serial = ?, updated_at = ? WHERE id = ? AND state = ?`, state, c.Serial, now, txnID, StateWaiting)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrState
		}
		if confirmed {
			return appendAudit(ctx, tx, Event{Event: EventConfirm, TransactionID: txnID, Serial: c.Serial, Detail: "implicit"})
		}
		return nil
	})
}

// checkParentValid refuses the renewal of a certificate revoked since the request was accepted (a
// delayed issuance: the card may have been reported stolen meanwhile), read in the issuing SQL
// transaction.
func checkParentValid(ctx context.Context, tx conn, parent string) error {
	var revokedAt int64
	if err := tx.row(ctx, `SELECT revoked_at FROM certs WHERE serial = ?`, parent).Scan(&revokedAt); err != nil {
		return err
	}
	if revokedAt != 0 {
		return ErrParentRevoked
	}
	return nil
}

// checkAllowance refuses a renewal of parent that already has allowance confirmed renewals.
func checkAllowance(ctx context.Context, tx conn, parent string, allowance int) error {
	if allowance <= 0 {
		return nil
	}
	n, err := confirmedRenewals(ctx, tx, parent)
	if err != nil {
		return err
	}
	if n >= allowance {
		return ErrAlreadyRenewed
	}
	return nil
}

// supersedeUnconfirmed closes every other renewal of parent issued and still waiting for certConf.
func supersedeUnconfirmed(ctx context.Context, tx conn, parent, except string, now int64) error {
	_, err := closeIssued(ctx, tx, StateSuperseded, now, `AND parent = ? AND id != ?`, parent, except)
	return err
}

// closeIssued closes (closeUnconfirmed) every issued transaction matching "state = issued" and more,
// ending in state, and returns how many.
func closeIssued(ctx context.Context, tx conn, state string, now int64, more string, args ...any) (int, error) {
	ids, err := strs(ctx, tx, `SELECT id FROM transactions WHERE state = ? `+more, append([]any{StateIssued}, args...)...)
	if err != nil {
		return 0, err
	}
	return closeEach(ids, func(id string) error { return closeUnconfirmed(ctx, tx, id, StateIssued, state, now) })
}

// closeEach runs close on every item and counts those it closed: ErrState (closed meanwhile by another
// transaction) is passed over, any other error ends it.
func closeEach(items []string, close func(string) error) (int, error) {
	n := 0
	for _, it := range items {
		switch err := close(it); {
		case err == nil:
			n++
		case !errors.Is(err, ErrState):
			return n, err
		}
	}
	return n, nil
}

// strs runs a query of one text column and lists its values.
func strs(ctx context.Context, c conn, q string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// closeUnconfirmed ends a transaction in state from (issued; or confirmed, for a withdrawal) whose
// certificate will never be confirmed or used (rejected in certConf, superseded by a newer renewal, left
// unconfirmed past the window, withdrawn): the certificate is revoked and the charge, if any, refunded —
// once: the state moves from "from" with a conditional UPDATE first (ErrState if another transaction
// moved it), and refunded_at marks the charge.
func closeUnconfirmed(ctx context.Context, tx conn, txnID, from, state string, now int64) error {
	var serial string
	err := tx.row(ctx, `UPDATE transactions SET state = ?, updated_at = ? WHERE id = ? AND state = ? RETURNING cert_serial`,
		state, now, txnID, from).Scan(&serial)
	if isNoRows(err) {
		return ErrState
	}
	if err != nil {
		return err
	}
	// RFC 9810 §5.3.18: a rejected certificate must not stay usable. CRLReason 4 superseded.
	if _, err := revokeCert(ctx, tx, serial, 4, now, txnID); err != nil {
		return err
	}
	if err := refund(ctx, tx, txnID, now); err != nil {
		return fmt.Errorf("rimborso / refund: %w", err)
	}
	return nil
}

// refund gives the charge of txnID, if any and not refunded yet, back to its account: the holder never
// got a usable certificate for it. Marking the charge refunded is one conditional UPDATE, so two
// transactions can never both give it back.
func refund(ctx context.Context, tx conn, txnID string, now int64) error {
	var account, serial string
	var amount int64
	err := tx.row(ctx, `UPDATE charges SET refunded_at = ? WHERE transaction_id = ? AND refunded_at = 0 RETURNING account, amount, cert_serial`,
		now, txnID).Scan(&account, &amount, &serial)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	changeBalance(tx, account, amount, false)
	return appendAudit(ctx, tx, Event{Event: EventRefund, TransactionID: txnID, Serial: serial, Account: account, Amount: amount})
}

// closeRenewals closes every renewal of parent not confirmed yet, parent having been revoked: a waiting
// one is never issued, an issued one is revoked and refunded (closeUnconfirmed).
func closeRenewals(ctx context.Context, tx conn, parent string, now int64) error {
	if _, err := tx.exec(ctx, `UPDATE transactions SET state = ?, updated_at = ? WHERE parent = ? AND state = ?`,
		StateParentRevoked, now, parent, StateWaiting); err != nil {
		return err
	}
	_, err := closeIssued(ctx, tx, StateParentRevoked, now, `AND parent = ?`, parent)
	return err
}

// Finish moves an issued transaction to a final state: confirmed, or rejected (the certConf refused the
// certificate, which is then revoked and its charge, if any, refunded to the account). Finishing again
// with the same state is a no-op. A confirmation beyond the renewal allowance (see Issue) rejects the
// certificate instead and returns ErrAlreadyRenewed; so does the confirmation of a renewal whose
// certificate was revoked after issuance (a card reported stolen), returning ErrParentRevoked.
func (s *sqlStore) Finish(ctx context.Context, txnID, state string, allowance int) error {
	var refusal error
	err := s.txnTx(ctx, txnID, nil, func(tx conn, t *Txn) error {
		var err error
		refusal, err = finish(ctx, tx, t, state, allowance)
		return err
	})
	if err == nil && refusal != nil {
		return refusal
	}
	return err
}

// finish is Finish's SQL transaction: it returns the refusal of a confirmation (ErrAlreadyRenewed,
// ErrParentRevoked) when the certificate was rejected instead.
func finish(ctx context.Context, tx conn, t *Txn, state string, allowance int) (refusal, err error) {
	if t.State == state {
		return nil, nil
	}
	if t.State != StateIssued {
		return nil, ErrState
	}
	now := unix(time.Now())
	if state == StateConfirmed && t.Parent != "" {
		err := checkParentValid(ctx, tx, t.Parent)
		if err == nil {
			err = checkAllowance(ctx, tx, t.Parent, allowance)
		}
		if errors.Is(err, ErrAlreadyRenewed) || errors.Is(err, ErrParentRevoked) {
			refusal, state = err, StateRejected
		} else if err != nil {
			return nil, err
		}
	}
	if state != StateConfirmed {
		return refusal, closeUnconfirmed(ctx, tx, t.ID, StateIssued, state, now)
	}
	if err := setState(ctx, tx, t.ID, StateIssued, state, now); err != nil {
		return nil, err
	}
	return nil, appendAudit(ctx, tx, Event{Event: EventConfirm, TransactionID: t.ID, Serial: t.CertSerial, Detail: "certConf"})
}

// Withdraw revokes the certificate of renewal transaction txnID, issued or confirmed, with reason (RFC 5280
// §5.3.1) because the holder will not use it (an rr protected by the renewed certificate, ponte-ca's
// revocation rules), in one SQL transaction: the certificate revoked, its own renewals closed, the charge
// refunded once, the transaction closed as withdrawn so ConfirmedRenewals no longer counts it (I2, I3).
// Any other state is ErrState: nothing changes. It holds the locks of the transaction's holder and of
// the certificate withdrawn (whose renewals it closes).
func (s *sqlStore) Withdraw(ctx context.Context, txnID string, reason int) error {
	var cert string
	more := func(t *Txn) []string { cert = t.CertSerial; return []string{cert} }
	return s.txnTx(ctx, txnID, more, func(tx conn, t *Txn) error {
		// Not issued when first read: its certificate's lock was not taken, and a withdrawal then
		// would have found it waiting.
		if (t.State != StateIssued && t.State != StateConfirmed) || t.CertSerial != cert {
			return ErrState
		}
		now := unix(time.Now())
		if _, err := revokeCert(ctx, tx, t.CertSerial, reason, now, txnID); err != nil {
			return err
		}
		if err := closeRenewals(ctx, tx, t.CertSerial, now); err != nil {
			return err
		}
		return closeUnconfirmed(ctx, tx, txnID, t.State, StateWithdrawn, now)
	})
}

// CloseUnconfirmed revokes and refunds every certificate issued before cutoff and still waiting for its
// certConf (RFC 9483 §4.1.1: the CA decides what becomes of an unconfirmed certificate; here it is never
// left valid and never left charged, invariants I2 and I3). It returns how many it closed.
//
// It runs before every CMP message: a read without any lock first finds whether there is anything to
// close, so the usual case costs one indexed query (transactions_state) and no wait for other writers.
// Each one found is closed in its own SQL transaction under its holder's lock, if still issued then (an
// issued transaction never becomes issued again, so its issuance time is still before cutoff).
func (s *sqlStore) CloseUnconfirmed(ctx context.Context, cutoff time.Time) (int, error) {
	ids, err := strs(ctx, s.c(), `SELECT id FROM transactions WHERE state = ? AND updated_at < ? ORDER BY id`, StateIssued, unix(cutoff))
	if err != nil {
		return 0, err
	}
	return closeEach(ids, func(id string) error {
		return s.txnTx(ctx, id, nil, func(tx conn, t *Txn) error {
			if t.State != StateIssued {
				return ErrState
			}
			return closeUnconfirmed(ctx, tx, id, StateIssued, StateUnconfirmed, unix(time.Now()))
		})
	})
}

// Abandon removes a waiting transaction that can no longer be issued (e.g. its account ran dry), so it
// does not count as a pending renewal: one conditional UPDATE, which an issuance racing it cannot undo
// (Issue moves the state only from waiting).
func (s *sqlStore) Abandon(ctx context.Context, txnID string) error {
	_, err := s.c().exec(ctx, `UPDATE transactions SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		StateRejected, unix(time.Now()), txnID, StateWaiting)
	return err
}

// AddNonce remembers a senderNonce the CA sent in a transaction.
func (s *sqlStore) AddNonce(ctx context.Context, txnID string, nonce []byte) error {
	_, err := s.c().exec(ctx, `INSERT INTO nonces (transaction_id, nonce) VALUES (?, ?) ON CONFLICT DO NOTHING`, txnID, hex.EncodeToString(nonce))
	return err
}

// rrMark is the nonces row that marks a transactionID used by a revocation request: not hex, so never a
// senderNonce of ours.
const rrMark = "rr"

// ClaimRR records txnID as a revocation request's and reports whether it was new. An rr is a transaction
// of one message (RFC 9810 §5.3.9): the same transactionID again is a replay of a signed request recorded
// earlier (a reactivation sent again after a new suspension), never a client's retry — Ponte and openssl
// draw a fresh one per request.
func (s *sqlStore) ClaimRR(ctx context.Context, txnID string) (bool, error) {
	res, err := s.c().exec(ctx, `INSERT INTO nonces (transaction_id, nonce) VALUES (?, ?) ON CONFLICT DO NOTHING`, txnID, rrMark)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// KnownNonce reports whether the CA sent nonce in the transaction (RFC 9483 §3.5: a recipNonce must be
// the senderNonce of the CA's previous message; any of ours is accepted, so a client repeating a message
// whose answer was lost is not locked out).
func (s *sqlStore) KnownNonce(ctx context.Context, txnID string, nonce []byte) (bool, error) {
	var n int
	err := s.c().row(ctx, `SELECT count(*) FROM nonces WHERE transaction_id = ? AND nonce = ?`, txnID, hex.EncodeToString(nonce)).Scan(&n)
	return n > 0, err
}
