package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// TestAllowanceAndChargeInvariants checks invariants I2 and I3 (docs/ca-profiles.md) as properties over
// generated sequences: four paid renewals of one certificate (allowance 1) are created, issued,
// confirmed, rejected and swept for lack of confirmation in random orders, the certificate sometimes
// revoked on the way (no renewal confirmed after that), and after every step the
// database must say: at most one renewal confirmed, and never revoked; every other issued certificate
// revoked unless still waiting for its certConf; the account charged exactly for the certificates
// confirmed or awaiting confirmation, each other charge refunded once.
func TestAllowanceAndChargeInvariants(t *testing.T) { eachBackend(t, testAllowanceAndChargeInvariants) }

func testAllowanceAndChargeInvariants(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	const price, start, renewals = 100, 10000, 4
	seen := map[string]int{} // outcomes met, so the generated sequences are known to reach them
	s := fresh(t, newURL)
	for seq := 0; seq < 40; seq++ {
		rnd := rand.New(rand.NewSource(int64(seq)))
		emptyAll(t, s)
		if err := s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: start}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCert(ctx, cert("01", "")); err != nil {
			t.Fatal(err)
		}
		var trace []string
		confirmedAtRevocation := -1 // the confirmed renewals when the old certificate was revoked
		for step := 0; step < 14; step++ {
			i := rnd.Intn(renewals)
			id, serial := fmt.Sprintf("t%d", i), fmt.Sprintf("1%d", i)
			var op string
			var err error
			// Mostly the step that moves this renewal on, sometimes any step (out of order, repeated).
			next := rnd.Intn(5)
			if rnd.Intn(5) > 0 {
				switch tx, terr := s.Txn(ctx, id); {
				case terr != nil:
					next = 0
				case tx.State == StateWaiting:
					next = 1
				case tx.State == StateIssued:
					next = 2 + rnd.Intn(3)
				}
			}
			switch next {
			case 0:
				op, err = "create", s.CreateTxn(ctx, waitingTxn(id, "01", price))
			case 1:
				op, err = "issue", s.Issue(ctx, id, cert(serial, "01"), false, 1)
			case 2:
				op, err = "confirm", s.Finish(ctx, id, StateConfirmed, 1)
			case 3:
				op, err = "reject", s.Finish(ctx, id, StateRejected, 1)
			case 4:
				op = "sweep"
				_, err = s.CloseUnconfirmed(ctx, time.Now().Add(time.Hour))
			}
			trace = append(trace, op+" "+id)
			// In some sequences the old certificate is revoked while a renewal awaits its certConf (a card
			// reported stolen): from then on no renewal of it is issued or confirmed.
			if tx, terr := s.Txn(ctx, id); seq%4 == 3 && confirmedAtRevocation < 0 && terr == nil && tx.State == StateIssued && rnd.Intn(2) == 0 {
				trace = append(trace, "revoke 01")
				if err := s.Revoke(ctx, "01", 1, time.Now()); err != nil {
					t.Fatal(err)
				}
				confirmedAtRevocation, _ = s.ConfirmedRenewals(ctx, "01")
				// The holder's (or thief's) certConf arriving right after.
				op, err = "confirm", s.Finish(ctx, id, StateConfirmed, 1)
				trace = append(trace, op+" "+id)
			}
			if errors.Is(err, ErrAlreadyRenewed) {
				seen["allowance refused"]++
			}
			if n, _ := s.ConfirmedRenewals(ctx, "01"); confirmedAtRevocation >= 0 && n > confirmedAtRevocation {
				t.Fatalf("sequence %d %v: %d renewals confirmed after the revocation, %d before", seq, trace, n, confirmedAtRevocation)
			}
			if tx, terr := s.Txn(ctx, id); terr == nil && err == nil {
				seen[tx.State]++
			}
			if err != nil && !isExpected(err) {
				t.Fatalf("sequence %d %v: %v", seq, trace, err)
			}
			checkInvariants(t, s, start, price, fmt.Sprintf("sequence %d %v", seq, trace))
		}
	}
	for _, o := range []string{StateConfirmed, StateRejected, StateSuperseded, StateUnconfirmed, "allowance refused", StateParentRevoked} {
		if seen[o] == 0 {
			t.Errorf("no generated sequence reached %q: %v", o, seen)
		}
	}
}

func isExpected(err error) bool {
	for _, e := range []error{ErrExists, ErrState, ErrNotFound, ErrAlreadyRenewed, ErrParentRevoked} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func checkInvariants(t *testing.T, s Store, start, price int64, where string) {
	t.Helper()
	ctx := context.Background()
	certs, err := s.Certs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, charged := 0, int64(0)
	for _, c := range certs {
		if c.Parent != "01" {
			continue
		}
		tx, err := s.TxnForCert(ctx, c.Serial)
		if err != nil {
			t.Fatalf("%s: certificate %s without its transaction", where, c.Serial)
		}
		live := tx.State == StateConfirmed || tx.State == StateIssued
		if tx.State == StateConfirmed {
			confirmed++
		}
		if live {
			charged += price
		}
		if live == !c.RevokedAt.IsZero() {
			t.Fatalf("%s: certificate %s in state %s, revoked %v", where, c.Serial, tx.State, !c.RevokedAt.IsZero())
		}
	}
	if n, _ := s.ConfirmedRenewals(ctx, "01"); confirmed > 1 || n != confirmed {
		t.Fatalf("%s: %d renewals confirmed, %d counted (allowance 1)", where, confirmed, n)
	}
	a, _ := s.Account(ctx, "acc")
	if a.Balance != start-charged {
		t.Fatalf("%s: balance %d, want %d", where, a.Balance, start-charged)
	}
	charges, _ := s.Charges(ctx, "acc")
	for _, ch := range charges {
		tx, _ := s.Txn(ctx, ch.TransactionID)
		live := tx.State == StateConfirmed || tx.State == StateIssued
		if live == !ch.RefundedAt.IsZero() {
			t.Fatalf("%s: charge of %s in state %s, refunded %v", where, ch.TransactionID, tx.State, !ch.RefundedAt.IsZero())
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
}
