package store

import (
	"context"
	"time"
)

// Account is a prepaid account; the password is kept only as a hash (internal/ca/account).
type Account struct {
	ID           string
	PasswordHash string
	Balance      int64 // cents
	CreatedAt    time.Time
}

// AddAccount creates an account (ErrExists if the id is taken).
func (s *sqlStore) AddAccount(ctx context.Context, a *Account) error {
	// No holder lock: the account's primary key refuses a second one.
	return s.tx(ctx, nil, func(tx conn) error {
		res, err := tx.exec(ctx, `INSERT INTO accounts (id, password_hash, balance, created_at) VALUES (?,?,?,?) ON CONFLICT(id) DO NOTHING`,
			a.ID, a.PasswordHash, a.Balance, unix(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrExists
		}
		return appendAudit(ctx, tx, Event{Event: EventCredit, Account: a.ID, Amount: a.Balance, Detail: "account created"})
	})
}

// Account finds an account by id.
func (s *sqlStore) Account(ctx context.Context, id string) (*Account, error) {
	var a Account
	var ca int64
	err := s.c().row(ctx, `SELECT id, password_hash, balance, created_at FROM accounts WHERE id = ?`, id).
		Scan(&a.ID, &a.PasswordHash, &a.Balance, &ca)
	if isNoRows(err) {
		return nil, ErrNotFound
	}
	a.CreatedAt = fromUnix(ca)
	return &a, err
}

// Credit adds cents (may be negative for a correction) to an account.
func (s *sqlStore) Credit(ctx context.Context, id string, cents int64) error {
	// No holder lock: the balance changes in the audit section (changeBalance), ErrNotFound there.
	return s.tx(ctx, nil, func(tx conn) error {
		changeBalance(tx, id, cents, false)
		return appendAudit(ctx, tx, Event{Event: EventCredit, Account: id, Amount: cents})
	})
}

// Charge is one debit of an account.
type Charge struct {
	TransactionID, Account, CertSerial string
	Amount                             int64
	At                                 time.Time
	RefundedAt                         time.Time // zero unless the holder rejected the certificate
}

// Charges lists the debits of an account, oldest first.
func (s *sqlStore) Charges(ctx context.Context, account string) ([]Charge, error) {
	rows, err := s.c().query(ctx, `SELECT transaction_id, account, cert_serial, amount, at, refunded_at FROM charges WHERE account = ? ORDER BY at, transaction_id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Charge
	for rows.Next() {
		var c Charge
		var at, refunded int64
		if err := rows.Scan(&c.TransactionID, &c.Account, &c.CertSerial, &c.Amount, &at, &refunded); err != nil {
			return nil, err
		}
		c.At, c.RefundedAt = fromUnix(at), fromUnix(refunded)
		out = append(out, c)
	}
	return out, rows.Err()
}
