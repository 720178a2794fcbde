package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/itime"
)

// Suspension and reactivation by the holder (seed 004: the CNS certificate "può essere
// sospeso/riattivato/revocato su volontà del titolare"), as rr with CRLReason certificateHold and
// removeFromCRL (RFC 5280 §5.3.1, RFC 9810 §5.3.9). The certificate's own profile says who may ask
// (suspendBy, reactivateBy: self or holder) and for how long a suspension may be lifted
// (maxSuspensionDays). The promises (docs/ca-profiles.md, "Suspension and reactivation"):
//
//   - only a certificate suspended by a holder, within the window, by that same holder, comes back;
//   - a permanent revocation never comes back, and neither does a suspension by the CA operator;
//   - a suspension not lifted in time becomes a permanent revocation dated from the suspension;
//   - OCSP and the CRL say so at once (they read the same row, after the same expiry sweep).

// onHold reports whether c is suspended (revoked with reason certificateHold).
func onHold(c *store.Cert) bool {
	return !c.RevokedAt.IsZero() && c.RevocationReason == cmp.ReasonCertificateHold
}

// suspend answers an rr with reason certificateHold; nil means suspended.
func (x *exchange) suspend(ctx context.Context, named *store.Cert) *cmp.PKIStatusInfo {
	p := x.c.Profiles[named.Profile]
	switch {
	case p == nil || p.SuspendBy == profile.ByNone:
		return fail(cmp.FailNotAuthorized, "la sospensione non è prevista per questo certificato", "suspension is not offered for this certificate")
	case !named.RevokedAt.IsZero():
		return fail(cmp.FailCertRevoked, "il certificato è già sospeso o revocato", "the certificate is already suspended or revoked")
	case !x.may(named, p.SuspendBy):
		return fail(cmp.FailNotAuthorized, "non si può sospendere questo certificato con il certificato che firma la richiesta",
			"this certificate cannot be suspended with the certificate signing the request")
	}
	err := x.c.Store.Hold(ctx, store.HoldRecord{Serial: named.Serial, By: x.signer.Serial, Holder: holderKey(x.signerCert),
		HeldAt: x.now, Until: x.now.Add(p.SuspensionWindow())})
	if errors.Is(err, store.ErrState) {
		return fail(cmp.FailCertRevoked, "il certificato è già sospeso o revocato", "the certificate is already suspended or revoked")
	}
	return x.done(err, named, "suspended")
}

// reactivate answers an rr with reason removeFromCRL; nil means valid again.
func (x *exchange) reactivate(ctx context.Context, named *store.Cert) *cmp.PKIStatusInfo {
	p := x.c.Profiles[named.Profile]
	if p == nil || p.ReactivateBy == profile.ByNone {
		return fail(cmp.FailNotAuthorized, "la riattivazione non è prevista per questo certificato", "reactivation is not offered for this certificate")
	}
	if named.RevokedAt.IsZero() {
		return fail(cmp.FailBadRequest, "il certificato non è sospeso: nulla da riattivare", "the certificate is not suspended: nothing to reactivate")
	}
	if !onHold(named) {
		return fail(cmp.FailCertRevoked, "il certificato è revocato definitivamente: non può tornare valido",
			"the certificate is revoked for good: it cannot become valid again")
	}
	h, err := x.c.Store.ActiveHold(ctx, named.Serial)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && h.Holder == ""):
		return fail(cmp.FailNotAuthorized, "sospeso dalla CA: solo la CA può riattivarlo", "suspended by the CA: only the CA can reactivate it")
	case err != nil:
		return fail(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
	case x.now.After(h.Until):
		return fail(cmp.FailCertRevoked, "il periodo di sospensione è finito il "+itime.Date(h.Until)+": il certificato è revocato",
			"the suspension period ended on "+h.Until.Format(time.DateOnly)+": the certificate is revoked")
	case !x.may(named, p.ReactivateBy) || !holderOf(h.Holder, x.signerCert):
		return fail(cmp.FailNotAuthorized, "solo il titolare che ha sospeso il certificato può riattivarlo",
			"only the holder who suspended the certificate can reactivate it")
	}
	err = x.c.Store.EndHold(ctx, named.Serial, x.signer.Serial, store.HoldReactivated, 0, x.now)
	if errors.Is(err, store.ErrSignerRevoked) {
		return fail(cmp.FailCertRevoked, "il certificato che firma la richiesta è stato revocato", "the certificate signing the request has been revoked")
	}
	return x.done(err, named, "reactivated")
}

// revokeHeld makes a suspension permanent with reason: by the certificate itself, or by whoever the
// profile lets suspend it. The date stays the suspension's (store.EndHold).
func (x *exchange) revokeHeld(ctx context.Context, named *store.Cert, reason int) *cmp.PKIStatusInfo {
	p := x.c.Profiles[named.Profile]
	if x.signer.Serial != named.Serial && (p == nil || !x.may(named, p.SuspendBy)) {
		return fail(cmp.FailNotAuthorized, "si può revocare solo il proprio certificato", "only one's own certificate can be revoked")
	}
	return x.done(x.c.Store.EndHold(ctx, named.Serial, "", store.HoldRevoked, reason, x.now), named, "revoked for good ("+reasonName(reason)+")")
}

// may reports whether the rr's signer has authority who over named: self is the certificate itself
// (suspended or not: the holder still has the card); holder adds any certificate of this CA, not
// revoked, confirmed (signerPending) and within its validity (an old card's expired certificate speaks
// for nobody: authenticate checks its signature at its last valid second), whose subject names every identity of named's
// (sameHolder: the card's other certificate).
func (x *exchange) may(named *store.Cert, who profile.Authority) bool {
	if x.signer.Serial == named.Serial {
		return who == profile.BySelf || who == profile.ByHolder
	}
	if who != profile.ByHolder || !x.signer.RevokedAt.IsZero() || x.signerPending || x.now.After(x.signer.NotAfter) || x.now.Before(x.signer.NotBefore) {
		return false
	}
	cert, err := x509.ParseCertificate(named.DER)
	return err == nil && sameHolder(x.signerCert.Subject.Names, cert.RawSubject)
}

// holderKey is the identities (codici fiscali) of a certificate's subject, sorted and joined: who
// suspended, kept with the hold.
func holderKey(c *x509.Certificate) string {
	ids, _ := identities(c.Subject.Names)
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// holderOf reports whether c names every identity of the holder who suspended (key from holderKey).
func holderOf(key string, c *x509.Certificate) bool {
	ids, _ := identities(c.Subject.Names)
	for _, id := range strings.Split(key, ",") {
		if !ids[id] {
			return false
		}
	}
	return key != ""
}

// done turns a store error into the rp's status and logs what happened.
func (x *exchange) done(err error, named *store.Cert, what string) *cmp.PKIStatusInfo {
	if errors.Is(err, store.ErrState) {
		return fail(cmp.FailCertRevoked, "il certificato non è più sospeso", "the certificate is no longer suspended")
	}
	if err != nil {
		return fail(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
	}
	if x.c.Logf != nil {
		x.c.Logf("%s %s at the holder's request", what, named.Serial)
	}
	return nil
}

// expireHolds makes permanent the suspensions whose window has ended; run before every CMP, OCSP and
// CRL answer so none shows a suspension that can no longer be lifted.
func (c *CA) expireHolds(ctx context.Context, now time.Time) {
	if n, err := c.Store.ExpireHolds(ctx, now); err != nil {
		log.Printf("ponte-ca: ending expired suspensions: %v", err)
	} else if n > 0 && c.Logf != nil {
		c.Logf("revoked %d certificates whose suspension was not lifted in time", n)
	}
}

// fail is a rejection status (status, as a pointer).
func fail(bit int, it, en string) *cmp.PKIStatusInfo { s := status(bit, it, en); return &s }

// Suspend puts serial on hold for the CA operator (`ponte-ca suspend`) for days days: revoked with reason
// certificateHold at once (OCSP, CRL), lifted only by the operator (Reactivate; the hold names no holder,
// so no rr lifts it), and made permanent by the expiry sweep if not lifted in time, as a holder's.
func (c *CA) Suspend(ctx context.Context, serial *big.Int, days int) error {
	if days < 1 {
		return fmt.Errorf("finestra di sospensione di %d giorni: almeno 1 / a suspension window of %d days: at least 1", days, days)
	}
	now := c.now()
	err := c.Store.Hold(ctx, store.HoldRecord{Serial: SerialHex(serial), HeldAt: now, Until: now.AddDate(0, 0, days)})
	if errors.Is(err, store.ErrState) {
		return errors.New("il certificato è già sospeso o revocato / the certificate is already suspended or revoked")
	}
	return err
}

// Reactivate lifts serial's suspension for the CA operator (`ponte-ca reactivate`): any certificateHold,
// the operator's own (with or without a window) or a holder's, while it is on hold.
func (c *CA) Reactivate(ctx context.Context, serial *big.Int) error {
	c.expireHolds(ctx, c.now()) // a hold whose window ended is a revocation: it does not come back
	err := c.Store.EndHold(ctx, SerialHex(serial), "", store.HoldReactivated, 0, c.now())
	if errors.Is(err, store.ErrState) {
		return errors.New("il certificato non è sospeso (valido, o revocato definitivamente) / the certificate is not suspended (valid, or revoked for good)")
	}
	return err
}
