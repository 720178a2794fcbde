package renew

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"sort"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Abandon ends an open renewal at the holder's request ("Annulla il rinnovo", `ponte renew --abandon`),
// so an open renewal is never a dead end (I4):
//
//  1. the CA is told first: a certificate it issued and that is still unconfirmed is rejected in certConf
//     (RFC 9483 §4.1), one confirmed (or implicitly confirmed) is revoked with rr (RFC 9810 §5.3.9); the
//     CA refunds on either and does not count it (I2, I3). A request whose answer never arrived is sent
//     again in its transaction (the CA answers from its state) so that what it issued is known; a paid
//     one needs the account for that (NeedsAccount).
//  2. only then the card: the new key and certificate are removed, the old ones are never touched (I1);
//  3. the record is closed at StepFailed with the event "abandoned".
//
// Until the CA has answered nothing on the card changes: a CA that cannot be reached leaves the renewal
// open (a retriable failure) and Abandon can be tried again. A renewal past its confirmation (StepCleanup)
// cannot be abandoned: its new certificate is on the card, verified and confirmed; Run finishes it.
func (e *Engine) Abandon(ctx context.Context, r *Renewal) error {
	e.takeOver()
	if err := e.refresh(r); err != nil {
		return err
	}
	switch {
	case r.Step == StepDone || (r.Step == StepFailed && !r.RollbackFailed && !r.ReleasePending):
		return NewFailure("renewal-closed")
	case r.Step == StepCleanup:
		return NewFailure("abandon-too-late")
	}
	e.onCard(r)
	// Taken over as Run does: of a Run and an Abandon pressed together in two tabs, one goes on.
	if err := e.save(r, "abandon", ""); err != nil {
		if f := lostRace(err); f != nil {
			return f
		}
		return err
	}
	if r.Step != StepFailed || r.ReleasePending {
		if err := e.settle(ctx, r); err != nil {
			if e.movedOn(r) { // another tab carried the renewal on meanwhile: its record stands
				return errElsewhere
			}
			f := classify(err)
			f.Retriable = true // nothing changed on the card: Annulla can be tried again
			r.Failure = f
			if serr := e.save(r, "abandon-failed", f.Error()+" ("+f.Detail+")"); serr != nil {
				return serr
			}
			return f
		}
	}
	if e.movedOn(r) { // the new key may now be the card's renewed key (another tab finished)
		return errElsewhere
	}
	err := e.undoCard(ctx, r)
	r.RollbackFailed = err != nil
	r.Step = StepFailed
	r.Failure = NewFailure(CodeAbandoned)
	if err != nil {
		f := classify(err)
		r.Failure = NewFailure("abandon-card")
		r.Failure.Words, r.Failure.Detail = append(r.Failure.Words, f.Words...), f.Detail
		if serr := e.save(r, "rollback-failed", f.Code+" ("+f.Detail+")"); serr != nil {
			return serr
		}
		return r.Failure
	}
	return e.save(r, "abandoned", undone(r)+"; the CA was told")
}

// settle makes sure the CA holds nothing of r that will count or be charged: it learns what the CA issued
// (when no answer arrived) and rejects or revokes it.
func (e *Engine) settle(ctx context.Context, r *Renewal) error {
	if r.NewCert == nil && r.Tx != nil {
		ca := *e.CA
		ca.MaxWait = 0
		saved := e.CA
		e.CA = &ca
		err := e.request(ctx, r) // the same request in its transaction, or a poll: no second issuance
		e.CA = saved
		if errors.Is(err, ErrPending) {
			return NewFailure("abandon-waiting")
		}
		var ref *cmp.Refusal
		if errors.As(err, &ref) {
			return nil // the CA refused the request: it issued nothing
		}
		if err != nil {
			return err
		}
	}
	if r.NewCert == nil {
		return nil // never sent, or never issued
	}
	if err := e.release(ctx, r, "renewal cancelled by the holder"); err != nil {
		return err
	}
	r.ReleasePending = false
	return nil
}

// releaseLeft tells the CA of the certificates that failed renewals of cert left unreleased
// (Renewal.ReleasePending: the CA was unreachable during their rollback) before a new renewal of cert
// begins: an implicitly confirmed one still counts toward the allowance, and the new request would be
// refused as "already renewed" for a certificate whose key is gone (I2). The CA unreachable again: a
// retriable failure, nothing begun.
func (e *Engine) releaseLeft(ctx context.Context, all []*Renewal, cardID string, cert protocol.Certificate) error {
	for _, r := range all {
		if !r.ReleasePending || r.Card != cardID || !bytes.Equal(r.OldCert, cert.DER) {
			continue
		}
		if err := e.release(ctx, r, "renewal failed and rolled back"); err != nil {
			f := classify(err)
			f.Retriable = true
			return f
		}
		r.ReleasePending = false
		r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "released", Detail: "the CA was told at the next renewal"})
		if err := e.put(r); err != nil {
			return err
		}
	}
	return nil
}

// release tells the CA that r's new certificate will not be used: a certConf rejection while it is
// unconfirmed (RFC 9483 §4.1), else — implicitly confirmed, or the rejection refused because the
// transaction is closed — a revocation request (RFC 9810 §5.3.9). The CA revokes, refunds and does not
// count it. An error means the CA was not told.
func (e *Engine) release(ctx context.Context, r *Renewal, why string) error {
	cert, err := x509.ParseCertificate(r.NewCert)
	if err != nil {
		return err
	}
	p, _, err := e.protection(ctx, r)
	if err != nil {
		return err
	}
	if !r.Implicit { // at StepConfirm the certConf may not have reached the CA: a rejection still can
		err = e.CA.Reject(ctx, r.Tx, p, cert, &cmp.Error{Code: cmp.CodeBadInput, Detail: why})
		if err == nil {
			r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "rejected", Detail: "certConf rejection: " + why})
			return nil
		}
		var ref *cmp.Refusal
		if !errors.As(err, &ref) {
			return err // not reached: try again later
		}
		// Refused: the transaction is closed at the CA (confirmed after all): revoke instead — unless
		// another engine (a second tab) confirmed it and carried the renewal on: then the certificate is
		// the card's renewed one, and revoking it would leave the card without a valid one (I1).
		if e.movedOn(r) {
			return errElsewhere
		}
	}
	err = e.CA.Revoke(ctx, cert, p, cmp.ReasonCessationOfOperation)
	var ref *cmp.Refusal
	if errors.As(err, &ref) && ref.Status.FailInfo.Has(cmp.FailCertRevoked) {
		// Already revoked (the CA closed the renewal: superseded, unconfirmed in time, an earlier rr whose
		// rp was lost): what release wants is so (RFC 9483 §4.2 answers certRevoked).
		r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "revoked", Detail: "already revoked at the CA: " + why})
		return nil
	}
	if err != nil {
		return err
	}
	r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "revoked", Detail: "rr: " + why})
	return nil
}

// Journal pruning: records of finished renewals are kept for support ("Scarica log") and then removed, so
// the journal does not grow for ever. Open renewals are never pruned.
const (
	KeepFinished     = 20                  // the most recent finished records always kept
	KeepFinishedDays = 90 * 24 * time.Hour // older finished records beyond KeepFinished are removed
)

// Prunable lists the IDs of finished records to remove at now: beyond the KeepFinished most recent, those
// last updated more than KeepFinishedDays ago.
func Prunable(all []*Renewal, now time.Time) []string {
	var done []*Renewal
	for _, r := range all {
		if r.Step.Terminal() && !r.RollbackFailed && !r.ReleasePending {
			done = append(done, r)
		}
	}
	sort.Slice(done, func(a, b int) bool { return done[a].Updated.After(done[b].Updated) })
	var out []string
	for i, r := range done {
		if i >= KeepFinished && now.Sub(r.Updated) > KeepFinishedDays {
			out = append(out, r.ID)
		}
	}
	return out
}
