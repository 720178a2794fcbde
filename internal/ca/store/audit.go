package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The audit log: every issuance, confirmation, revocation, charge, refund, credit and refusal is appended
// as one record, in the SQL transaction that makes the change (so the log says exactly what the state
// became, never more, never less). Each record carries the hash of the one before (a hash chain, as
// RFC 9162 §2.1 and the audit logs of CAs keep): altering, removing or reordering a record breaks every
// later hash, which VerifyAudit and `ponte-ca audit verify` find. A transaction's records are appended
// last, under the audit lock held until it commits (flushAudit, backend.go), so instances sharing one
// PostgreSQL database never fork the chain (seq is the primary key and each record names seq-1's hash),
// and the records are in the order the transactions committed.
const auditTable = `CREATE TABLE IF NOT EXISTS audit (
	seq INTEGER PRIMARY KEY,          -- 1, 2, 3… without gaps
	at INTEGER NOT NULL,
	event TEXT NOT NULL,              -- Event* below
	transaction_id TEXT NOT NULL DEFAULT '',
	serial TEXT NOT NULL DEFAULT '',
	account TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL DEFAULT 0, -- cents: credited, charged or refunded
	detail TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,          -- hex SHA-256 of record seq-1; zeros for the first
	hash TEXT NOT NULL                -- hex SHA-256 of this record (recordHash)
)`

// Audit events.
const (
	EventOpen    = "open"    // the opening balance of an account that existed before the log
	EventCredit  = "credit"  // an account created or credited (amount, may be negative)
	EventIssue   = "issue"   // a certificate issued (serial; transaction when by CMP; detail: parent)
	EventConfirm = "confirm" // a certificate confirmed by certConf or implicitly
	EventCharge  = "charge"  // an account debited for a certificate
	EventRefund  = "refund"  // a charge given back (the certificate was never confirmed, or withdrawn)
	EventRevoke  = "revoke"  // a certificate revoked (detail: reason code, why)
	EventRefusal = "refusal" // a request refused (detail: message type, failInfo, reason)
	// Suspensions (holds.go). A hold made permanent by its holder is an EventRevoke while it is open.
	EventSuspend     = "suspend"      // a certificate put on hold (detail: holdDetail)
	EventReactivate  = "reactivate"   // a hold lifted: the certificate is valid again
	EventHoldExpired = "hold-expired" // a hold not lifted in time: the revocation stays, reason unspecified
)

// Event is what a caller logs (Refuse); the store fills in the rest.
type Event struct {
	Event, TransactionID, Serial, Account, Detail string
	Amount                                        int64
}

// Record is one entry of the audit log.
type Record struct {
	Seq      int64
	At       time.Time
	PrevHash string
	Hash     string
	Event
}

// genesis is the previous hash of the first record.
var genesis = strings.Repeat("0", 64)

// recordHash is SHA-256 over the record's fields, each length-prefixed (so no two records encode alike).
func recordHash(r *Record) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	field := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	field("ponte-ca audit v1")
	field(fmt.Sprint(r.Seq))
	field(fmt.Sprint(r.At.Unix()))
	field(r.Event.Event)
	field(r.TransactionID)
	field(r.Serial)
	field(r.Account)
	field(fmt.Sprint(r.Amount))
	field(r.Detail)
	field(r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit appends e to the log of the write transaction c: it is written when the transaction
// ends (flushAudit), with everything else it changed or not at all.
func appendAudit(_ context.Context, c conn, e Event) error {
	c.w.audit = append(c.w.audit, e)
	return nil
}

// changeBalance adds cents to account's balance when the write transaction c ends (flushAudit);
// checked refuses a balance below zero then.
func changeBalance(c conn, account string, cents int64, checked bool) {
	c.w.balances = append(c.w.balances, balanceChange{account, cents, checked})
}

// applyBalances makes the transaction's balance changes, each one conditional UPDATE (PostgreSQL
// evaluates its WHERE on the latest committed balance, §13.2.1): a charge the balance cannot pay is
// ErrInsufficientBalance, an unknown account ErrNotFound, and the whole transaction is rolled back.
func applyBalances(ctx context.Context, c conn) error {
	for _, b := range c.w.balances {
		check := 0
		if b.checked {
			check = 1
		}
		res, err := c.exec(ctx, `UPDATE accounts SET balance = balance + ? WHERE id = ? AND (? = 0 OR balance + ? >= 0)`, b.cents, b.account, check, b.cents)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		if b.checked {
			return ErrInsufficientBalance
		}
		return ErrNotFound
	}
	return nil
}

// auditBatch is how many records one INSERT appends at most (10 parameters each: under SQLite's 32766
// and PostgreSQL's 65535).
const auditBatch = 200

// flushAudit appends the records of the write transaction c to the log, chained after its last record,
// and makes its balance changes. It is the transaction's last step and the only one every writer shares:
// the audit lock, the balances, the head read, the records' hashes (computed here, in the process) and
// one INSERT, then the commit.
func flushAudit(ctx context.Context, c conn) error {
	events := c.w.audit
	if len(events) == 0 && len(c.w.balances) == 0 {
		return nil
	}
	if err := c.b.lockAudit(ctx, c); err != nil {
		return fmt.Errorf("registro di audit / audit log: %w", err)
	}
	if err := applyBalances(ctx, c); err != nil {
		return err
	}
	prev := Record{Hash: genesis}
	err := c.row(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&prev.Seq, &prev.Hash)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("registro di audit / audit log: %w", err)
	}
	at := time.Now().UTC().Truncate(time.Second)
	for len(events) > 0 {
		n := min(len(events), auditBatch)
		args := make([]any, 0, 10*n)
		for _, e := range events[:n] {
			r := Record{Seq: prev.Seq + 1, At: at, PrevHash: prev.Hash, Event: e}
			r.Hash = recordHash(&r)
			args = append(args, r.Seq, r.At.Unix(), r.Event.Event, r.TransactionID, r.Serial, r.Account, r.Amount, r.Detail, r.PrevHash, r.Hash)
			prev = r
		}
		q := `INSERT INTO audit (seq, at, event, transaction_id, serial, account, amount, detail, prev_hash, hash) VALUES ` +
			strings.TrimSuffix(strings.Repeat(`(?,?,?,?,?,?,?,?,?,?),`, n), ",")
		if _, err := c.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("registro di audit / audit log: %w", err)
		}
		events = events[n:]
	}
	return nil
}

// openAudit starts the log of a database that has none yet with what the database already holds, so
// VerifyAudit can account for every row from the log alone: each account's balance, each certificate
// (revoked or not), each charge (refunded or not) and each confirmed transaction (EventOpen; the balances
// already include the charges, so those records carry no amount).
func openAudit(ctx context.Context, c conn) error {
	var n int
	if err := c.row(ctx, `SELECT count(*) FROM audit`).Scan(&n); err != nil || n > 0 {
		return err
	}
	var opening []Event
	for _, q := range []string{
		`SELECT id, '', '', balance, '' FROM accounts ORDER BY id`,
		`SELECT '', serial, '', 0, CASE WHEN revoked_at = 0 THEN '` + openCert + `' ELSE '` + openRevoked + `' END FROM certs ORDER BY serial`,
		`SELECT account, cert_serial, transaction_id, 0, CASE WHEN refunded_at = 0 THEN '` + openCharge + `' ELSE '` + openRefunded + `' END FROM charges ORDER BY transaction_id`,
		`SELECT '', cert_serial, id, 0, '` + openConfirmed + `' FROM transactions WHERE state = '` + StateConfirmed + `' ORDER BY id`,
		// Holds made before the log (schema 4 of the lifecycle branch): the open one's detail as EventSuspend's.
		`SELECT '', serial, '', 0, CASE WHEN ended_at = 0 THEN '` + openHold + ` ' || ` + holdDetailSQL + ` ELSE '` + openHoldEnded + `' END
			FROM holds ORDER BY serial, held_at, ended_at = 0, ended_at`,
	} {
		rows, err := c.query(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
			e := Event{Event: EventOpen}
			if err := rows.Scan(&e.Account, &e.Serial, &e.TransactionID, &e.Amount, &e.Detail); err != nil {
				rows.Close()
				return err
			}
			opening = append(opening, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, e := range opening {
		if err := appendAudit(ctx, c, e); err != nil {
			return err
		}
	}
	return nil
}

// The details of EventOpen records other than balances: what the database held before the log.
const (
	openCert      = "certificate"
	openRevoked   = "certificate revoked"
	openCharge    = "charge"
	openRefunded  = "charge refunded"
	openConfirmed = "confirmed"
	openHold      = "hold"       // followed by the hold's holdDetail
	openHoldEnded = "hold ended" // a hold reactivated, made permanent or expired
)

// Refuse logs a refused request (EventRefusal): the CMP server's rejections, which change no state. It
// returns once the record is committed. Refusals arriving while an earlier batch of this instance is
// being appended wait and go together in the next one (group commit): a flood of bad requests costs one
// audit append and one commit per batch, not per request, and holds the audit lock that long.
func (s *sqlStore) Refuse(ctx context.Context, e Event) error {
	e.Event = EventRefusal
	done := make(chan error, 1)
	q := &s.refusals
	q.mu.Lock()
	q.pending = append(q.pending, refusal{e, done})
	if !q.running {
		q.running = true
		go s.appendRefusals()
	}
	q.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// The record may still be appended: the request is refused either way.
		return ctx.Err()
	}
}

// refusalQueue holds the refusals waiting for the next batch; running: a goroutine appends them.
type refusalQueue struct {
	mu      sync.Mutex
	pending []refusal
	running bool
}

type refusal struct {
	e    Event
	done chan<- error
}

// refusalBatch bounds one batch (a transaction's records, as flushAudit writes them 200 at a time).
const refusalBatch = 1000

// refusalBatches counts the batches appended (the tests read it).
var refusalBatches atomic.Int64

// appendRefusals appends batches of waiting refusals, each in one write transaction that decides nothing
// (no holder lock), until none is left. Its own context: a batch serves several requests.
func (s *sqlStore) appendRefusals() {
	q := &s.refusals
	for {
		q.mu.Lock()
		n := min(len(q.pending), refusalBatch)
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		if n == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.tx(ctx, nil, func(c conn) error {
			for _, r := range batch {
				if err := appendAudit(ctx, c, r.e); err != nil {
					return err
				}
			}
			return nil
		})
		cancel()
		refusalBatches.Add(1)
		for _, r := range batch {
			r.done <- err
		}
	}
}

// Audit lists up to limit records after seq after, in order.
func (s *sqlStore) Audit(ctx context.Context, after int64, limit int) ([]Record, error) {
	return auditPage(ctx, s.c(), after, limit)
}

func auditPage(ctx context.Context, c conn, after int64, limit int) ([]Record, error) {
	rows, err := c.query(ctx, `SELECT seq, at, event, transaction_id, serial, account, amount, detail, prev_hash, hash
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Event.Event, &r.TransactionID, &r.Serial, &r.Account, &r.Amount, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, err
		}
		r.At = time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Records int64
	Head    string           // hash of the last record
	Events  map[string]int64 // records per event
	// Balances are the accounts' balances as the log accounts for them (opening, credits, charges,
	// refunds); VerifyAudit compares them with the accounts table.
	Balances map[string]int64
}

// VerifyAudit walks the whole log: consecutive seq from 1, each record's prev_hash the hash of the one
// before, each hash recomputed; then every account's balance must be what the log accounts for, and every
// charge and refund in the charges table must have its record. The first discrepancy is the error. It
// reads one snapshot of the database (readOnly), so instances serving meanwhile do not disturb it.
func (s *sqlStore) VerifyAudit(ctx context.Context) (*AuditReport, error) {
	rep := &AuditReport{Head: genesis, Events: map[string]int64{}, Balances: map[string]int64{}}
	err := s.readOnly(ctx, func(c conn) error { return verifyAudit(ctx, c, rep) })
	return rep, err
}

func verifyAudit(ctx context.Context, c conn, rep *AuditReport) error {
	l := ledger{charged: map[string]bool{}, refunded: map[string]bool{}, issued: map[string]bool{}, revoked: map[string]bool{}, confirmed: map[string]bool{},
		holds: map[string]int{}, open: map[string]string{}, reason: map[string]int{}, revokedAt: map[string]int64{}}
	for {
		recs, err := auditPage(ctx, c, rep.Records, 1000)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		for i := range recs {
			r := &recs[i]
			if err := checkLink(r, rep); err != nil {
				return err
			}
			rep.Records, rep.Head = r.Seq, r.Hash
			rep.Events[r.Event.Event]++
			l.add(r, rep)
		}
	}
	return reconcile(ctx, c, rep, &l)
}

// ledger is what the log says the tables hold besides the balances: the transactions charged and
// refunded, the certificates issued and revoked, the transactions confirmed.
type ledger struct {
	charged, refunded, issued, revoked, confirmed map[string]bool
	holds                                         map[string]int    // suspensions per certificate
	reason                                        map[string]int    // a revoked certificate's CRLReason, -1 unknown
	revokedAt                                     map[string]int64  // a revoked certificate's revocation time, when the log says it
	open                                          map[string]string // the open hold's holdDetail
}

func (l *ledger) add(r *Record, rep *AuditReport) {
	switch r.Event.Event {
	case EventOpen:
		switch r.Detail {
		case "":
			rep.Balances[r.Account] += r.Amount
		case openCert, openRevoked:
			l.issued[r.Serial], l.revoked[r.Serial], l.reason[r.Serial] = true, r.Detail == openRevoked, -1
		case openCharge, openRefunded:
			l.charged[r.TransactionID], l.refunded[r.TransactionID] = true, r.Detail == openRefunded
		case openConfirmed:
			l.confirmed[r.TransactionID] = true
		case openHoldEnded:
			l.holds[r.Serial]++
		default:
			if d, ok := strings.CutPrefix(r.Detail, openHold+" "); ok {
				l.holds[r.Serial]++
				l.open[r.Serial] = d
			}
		}
	case EventCredit:
		rep.Balances[r.Account] += r.Amount
	case EventCharge:
		rep.Balances[r.Account] -= r.Amount
		l.charged[r.TransactionID] = true
	case EventRefund:
		rep.Balances[r.Account] += r.Amount
		l.refunded[r.TransactionID] = true
	case EventIssue:
		l.issued[r.Serial] = true
	case EventRevoke:
		l.revoked[r.Serial] = true
		reason := -1 // every revokeCert and EndHold write "reason=N"
		fmt.Sscanf(r.Detail, "reason=%d", &reason)
		l.reason[r.Serial] = reason
		// revokeCert's records carry the time (" at=", since schema 5); a hold made permanent
		// ("reason=N held", EndHold) keeps the time its suspension recorded.
		if !strings.HasSuffix(r.Detail, " held") {
			l.setRevokedAt(r.Serial, r.Detail)
		}
		delete(l.open, r.Serial) // a revocation while on hold can only be the hold made permanent
	case EventSuspend:
		l.revoked[r.Serial], l.reason[r.Serial] = true, reasonCertificateHold
		l.holds[r.Serial]++
		// The hold's revocation time (" at=", since ca-scale) is checked like a revocation's, so a
		// suspension backdated in certs and holds together — or after it was made permanent or
		// expired — is found; the rest is the open hold as holdDetailSQL rebuilds it.
		l.open[r.Serial], _, _ = strings.Cut(r.Detail, " at=")
		l.setRevokedAt(r.Serial, r.Detail)
	case EventReactivate:
		l.revoked[r.Serial] = false
		delete(l.revokedAt, r.Serial)
		delete(l.open, r.Serial)
	case EventHoldExpired:
		delete(l.open, r.Serial)
		l.reason[r.Serial] = reasonUnspecified
	case EventConfirm:
		l.confirmed[r.TransactionID] = true
	}
}

// setRevokedAt records the revocation time detail carries (" at=UNIX"), or forgets the one before
// when it carries none (a record of an earlier version: the time is then not checked).
func (l *ledger) setRevokedAt(serial, detail string) {
	delete(l.revokedAt, serial)
	if _, at, ok := strings.Cut(detail, " at="); ok {
		if t, err := strconv.ParseInt(at, 10, 64); err == nil {
			l.revokedAt[serial] = t
		}
	}
}

// checkLink checks one record against the chain so far.
func checkLink(r *Record, rep *AuditReport) error {
	switch {
	case r.Seq != rep.Records+1:
		return fmt.Errorf("registro di audit: dopo il record %d viene il %d / audit log: record %d follows %d", rep.Records, r.Seq, r.Seq, rep.Records)
	case r.PrevHash != rep.Head:
		return fmt.Errorf("registro di audit: il record %d non segue l'hash del precedente / audit log: record %d does not carry the previous record's hash", r.Seq, r.Seq)
	case recordHash(r) != r.Hash:
		return fmt.Errorf("registro di audit: il record %d è stato alterato (hash errato) / audit log: record %d was altered (wrong hash)", r.Seq, r.Seq)
	}
	return nil
}

// reconcile compares the balances and charges the log accounts for with the tables.
func reconcile(ctx context.Context, c conn, rep *AuditReport, l *ledger) error {
	rows, err := c.query(ctx, `SELECT id, balance FROM accounts ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var bal int64
		if err := rows.Scan(&id, &bal); err != nil {
			return err
		}
		if rep.Balances[id] != bal {
			return fmt.Errorf("registro di audit: l'account %s ha credito %d, il registro ne giustifica %d / audit log: account %s has balance %d, the log accounts for %d",
				id, bal, rep.Balances[id], id, bal, rep.Balances[id])
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	ch, err := c.query(ctx, `SELECT transaction_id, refunded_at FROM charges`)
	if err != nil {
		return err
	}
	defer ch.Close()
	for ch.Next() {
		var id string
		var ref int64
		if err := ch.Scan(&id, &ref); err != nil {
			return err
		}
		if !l.charged[id] || (ref != 0) != l.refunded[id] {
			return fmt.Errorf("registro di audit: l'addebito della transazione %s non vi corrisponde / audit log: the charge of transaction %s does not match it", id, id)
		}
	}
	if err := ch.Err(); err != nil {
		return err
	}
	return reconcileCerts(ctx, c, l)
}

// reconcileCerts: every certificate has its issuance in the log and is revoked exactly when, and with
// the reason and the time, the log says (a permanent revocation turned into certificateHold would let
// `ponte-ca reactivate` lift it with a log that verifies; a revocation time moved changes what relying
// parties conclude about signatures made before it, RFC 5280 §5.3.2), and every confirmed transaction has its
// confirmation. Without it a log cut short after its last
// state change (a revocation removed from the tail, and the certificate then marked valid again) would
// still verify: the chain of what is left is whole.
func reconcileCerts(ctx context.Context, c conn, l *ledger) error {
	rows, err := c.query(ctx, `SELECT serial, revoked_at, revocation_reason FROM certs`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var serial string
		var rev, reason int64
		if err := rows.Scan(&serial, &rev, &reason); err != nil {
			return err
		}
		want, known := l.reason[serial]
		at, atKnown := l.revokedAt[serial]
		if !l.issued[serial] || (rev != 0) != l.revoked[serial] || (rev != 0 && known && want >= 0 && int64(want) != reason) ||
			(rev != 0 && atKnown && at != rev) {
			return fmt.Errorf("registro di audit: il certificato %s non vi corrisponde (emissione o revoca) / audit log: certificate %s does not match it (issuance or revocation)", serial, serial)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := reconcileHolds(ctx, c, l); err != nil {
		return err
	}
	tx, err := c.query(ctx, `SELECT id FROM transactions WHERE state = ?`, StateConfirmed)
	if err != nil {
		return err
	}
	defer tx.Close()
	for tx.Next() {
		var id string
		if err := tx.Scan(&id); err != nil {
			return err
		}
		if !l.confirmed[id] {
			return fmt.Errorf("registro di audit: la conferma della transazione %s non vi è / audit log: the confirmation of transaction %s is missing", id, id)
		}
	}
	return tx.Err()
}

// reconcileHolds: every certificate has as many holds as the log has suspensions of it, and its open hold
// (if any) is the one the log left open, with the same suspender and window, on a certificate revoked with
// reason certificateHold since the hold began. A suspension cut from the log, a hold row removed or added, a window extended in
// the table, or a reason changed under an open hold is found.
func reconcileHolds(ctx context.Context, c conn, l *ledger) error {
	rows, err := c.query(ctx, `SELECT h.serial, count(*), max(CASE WHEN h.ended_at = 0 THEN `+holdDetailSQL+` ELSE '' END),
		max(CASE WHEN h.ended_at = 0 AND (c.revocation_reason != `+fmt.Sprint(reasonCertificateHold)+` OR c.revoked_at != h.held_at) THEN 1 ELSE 0 END)
		FROM holds h LEFT JOIN certs c ON c.serial = h.serial GROUP BY h.serial`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var serial, open string
		var n, badReason int
		if err := rows.Scan(&serial, &n, &open, &badReason); err != nil {
			return err
		}
		seen[serial] = true
		if n != l.holds[serial] || open != l.open[serial] || badReason != 0 {
			return holdMismatch(serial)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for serial := range l.holds {
		if !seen[serial] {
			return holdMismatch(serial)
		}
	}
	return nil
}

func holdMismatch(serial string) error {
	return fmt.Errorf("registro di audit: le sospensioni del certificato %s non vi corrispondono / audit log: the suspensions of certificate %s do not match it", serial, serial)
}

// holdDetail is an open hold as EventSuspend records it; holdDetailSQL builds the same text from a row
// of holds (reconcileHolds, openAudit).
func holdDetail(by, holder string, until int64) string {
	return fmt.Sprintf("by=%s holder=%s until=%d", by, holder, until)
}

const holdDetailSQL = `('by=' || by_serial || ' holder=' || holder || ' until=' || CAST(until AS TEXT))`
