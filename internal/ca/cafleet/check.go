package cafleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/store"
)

// Accounting is the final state of a run, read from the database.
type Accounting struct {
	Holders, Renewed   int   // holders whose renewal was started; of those, with exactly one confirmed renewal
	Issued             int   // renewal certificates issued (confirmed, rejected, superseded...)
	Pending            int   // transactions still waiting or issued-unconfirmed
	DoubleIssuances    int   // holders with more than one valid renewal, renewals without their transaction
	DoubleCharges      int   // charges kept for a certificate not confirmed, or refunded for a confirmed one, or twice for a holder
	Charged, Refunded  int   // charges made; of those, refunded
	Balance, Expected  int64 // the account's balance, and the start minus the charges kept
	AuditRecords       int64
	AuditErr           error
	AuditEvents        map[string]int64
	UnconfirmedHolders []string
}

// OK: every started renewal completed, nothing issued or charged twice, balance and audit log exact.
func (a *Accounting) OK() bool {
	return a.Renewed == a.Holders && a.Pending == 0 && a.DoubleIssuances == 0 && a.DoubleCharges == 0 &&
		a.Balance == a.Expected && a.AuditErr == nil
}

func (a *Accounting) String() string {
	audit := "valido / valid"
	if a.AuditErr != nil {
		audit = "NON VALIDO / NOT VALID: " + a.AuditErr.Error()
	}
	return fmt.Sprintf("titolari %d, rinnovati una volta %d / holders %d, renewed once %d; certificati emessi / issued %d; in sospeso / pending %d; "+
		"doppie emissioni / double issuances %d; doppi addebiti / double charges %d; addebiti / charges %d (rimborsati / refunded %d); "+
		"credito / balance %d (atteso / expected %d); registro di audit / audit log %d record %s",
		a.Holders, a.Renewed, a.Holders, a.Renewed, a.Issued, a.Pending, a.DoubleIssuances, a.DoubleCharges, a.Charged, a.Refunded,
		a.Balance, a.Expected, a.AuditRecords, audit)
}

// Check reads the accounting of a run from the database: holders are those whose renewal was started,
// start the account's balance before it, price the profile's.
func Check(ctx context.Context, st store.Store, holders []*Holder, start, price int64) (*Accounting, error) {
	a := &Accounting{}
	certs, err := st.Certs(ctx)
	if err != nil {
		return nil, err
	}
	valid := map[string]int{}
	for _, c := range certs {
		if c.Parent == "" {
			continue
		}
		a.Issued++
		t, err := st.TxnForCert(ctx, c.Serial)
		if err != nil {
			a.DoubleIssuances++ // a renewal issued outside any transaction
			continue
		}
		if t.State == store.StateWaiting || t.State == store.StateIssued {
			a.Pending++
		}
		if c.RevokedAt.IsZero() {
			valid[c.Parent]++
		}
	}
	for _, h := range holders {
		serial := ca.SerialHex(h.Cert.SerialNumber)
		n, err := st.ConfirmedRenewals(ctx, serial)
		if err != nil {
			return nil, err
		}
		if !h.started {
			continue
		}
		a.Holders++
		if n == 1 {
			a.Renewed++
		} else {
			a.UnconfirmedHolders = append(a.UnconfirmedHolders, serial)
		}
		if valid[serial] > 1 {
			a.DoubleIssuances++
		}
	}
	if err := a.charges(ctx, st, start, price); err != nil {
		return nil, err
	}
	rep, err := st.VerifyAudit(ctx)
	a.AuditErr = err
	if rep != nil {
		a.AuditRecords, a.AuditEvents = rep.Records, rep.Events
	}
	return a, nil
}

// charges checks every charge against its transaction: kept exactly for a confirmed certificate, once per
// certificate renewed.
func (a *Accounting) charges(ctx context.Context, st store.Store, start, price int64) error {
	list, err := st.Charges(ctx, Account)
	if err != nil {
		return err
	}
	keptFor := map[string]int{}
	var kept int64
	for _, ch := range list {
		a.Charged++
		t, err := st.Txn(ctx, ch.TransactionID)
		if err != nil {
			return err
		}
		live := t.State == store.StateConfirmed || t.State == store.StateIssued
		if refunded := !ch.RefundedAt.IsZero(); refunded {
			a.Refunded++
		}
		if live != ch.RefundedAt.IsZero() || ch.Amount != price {
			a.DoubleCharges++
		}
		if ch.RefundedAt.IsZero() {
			kept += ch.Amount
			keptFor[t.Parent]++
		}
	}
	for _, n := range keptFor {
		if n > 1 {
			a.DoubleCharges++
		}
	}
	acc, err := st.Account(ctx, Account)
	if err != nil {
		return err
	}
	a.Balance, a.Expected = acc.Balance, start-kept
	return nil
}

// Summary is one line of the audit events, for reports.
func (a *Accounting) Summary() string {
	var parts []string
	for _, e := range []string{store.EventIssue, store.EventConfirm, store.EventCharge, store.EventRefund, store.EventRevoke, store.EventRefusal} {
		parts = append(parts, fmt.Sprintf("%s=%d", e, a.AuditEvents[e]))
	}
	return strings.Join(parts, " ")
}
