package ca

import (
	"context"
	"errors"
	"strconv"

	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// Revocation requests (rr → rp, RFC 9810 §5.3.9/§5.3.10) as RFC 9483 §4.2 profiles them: one RevDetails
// naming the certificate by issuer and serialNumber, the reason in crlEntryDetails, the request signed by
// the holder. Who may revoke what (docs/ca-profiles.md, "Revocation"):
//
//   - the certificate that signs the rr may revoke itself (any reason of the table below);
//   - the certificate a renewal renewed may revoke that renewal's new certificate while it is unconfirmed
//     or within UnconfirmedWindow of its issuance: the renewal engine undoes a renewal (rollback, "Annulla
//     il rinnovo") with the old certificate's key, the new one never having worked on the card. Such a
//     certificate is withdrawn: revoked, refunded, not counted in the allowance (I2, I3);
//   - a renewal not yet confirmed revoked by its own key is withdrawn too (the same as a certConf
//     rejection); anything else is an ordinary revocation, which refunds nothing.
//
// A suspension (certificateHold) and its reactivation (removeFromCRL) follow the certificate's profile
// rules instead (suspend.go). The effect is immediate: OCSP and the CRL read the same row.

// revocationRule is what the holder may do with one CRLReason.
type revocationRule struct {
	name    string
	allowed bool
}

// revocationReasons: the RFC 5280 §5.3.1 reasons a holder may give. cACompromise, aACompromise and
// privilegeWithdrawn are the CA's to state. certificateHold (suspension) and removeFromCRL (reactivation)
// are allowed further by the certificate's profile (suspendBy, reactivateBy: suspend.go).
var revocationReasons = map[int]revocationRule{
	cmp.ReasonUnspecified:          {"unspecified", true},
	cmp.ReasonKeyCompromise:        {"keyCompromise", true},
	cmp.ReasonAffiliationChanged:   {"affiliationChanged", true},
	cmp.ReasonSuperseded:           {"superseded", true},
	cmp.ReasonCessationOfOperation: {"cessationOfOperation", true},
	cmp.ReasonCertificateHold:      {"certificateHold", true},
	cmp.ReasonRemoveFromCRL:        {"removeFromCRL", true},
}

// revocation answers an rr with an rp.
func (x *exchange) revocation(ctx context.Context) *cmp.Message {
	st := x.revoke(ctx)
	x.rrRefusal = st
	if st == nil {
		st = &cmp.PKIStatusInfo{Status: cmp.StatusAccepted}
	}
	return x.answer(cmp.RevRepBody(*st))
}

// revoke decides and carries out one rr; nil means revoked.
func (x *exchange) revoke(ctx context.Context) *cmp.PKIStatusInfo {
	if st := x.authenticate(ctx, x.p); st != nil {
		return st
	}
	if x.signer == nil {
		return fail(cmp.FailNotAuthorized, "la richiesta di revoca va firmata con il certificato da revocare (RFC 9483 §4.2)",
			"a revocation request must be signed with the certificate to revoke (RFC 9483 §4.2)")
	}
	x.signerPending = x.signerUnconfirmed(ctx) != nil
	switch fresh, err := x.c.Store.ClaimRR(ctx, txnID(x.req)); {
	case err != nil:
		return fail(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
	case !fresh:
		return fail(cmp.FailTransactionIDInUse, "richiesta di revoca già ricevuta (transactionID già usato): non viene eseguita di nuovo",
			"revocation request already received (transactionID in use): it is not carried out again")
	}
	details, err := cmp.ParseRevReq(x.req.Body.Raw)
	if err != nil || len(details) != 1 {
		return fail(cmp.FailBadDataFormat, "richiesta di revoca non valida: serve un solo certificato (RFC 9483 §4.2)",
			"invalid revocation request: exactly one certificate is needed (RFC 9483 §4.2)")
	}
	d := details[0]
	reason := d.Reason
	if reason < 0 {
		reason = cmp.ReasonUnspecified
	}
	if rule := revocationReasons[reason]; !rule.allowed {
		return fail(cmp.FailNotAuthorized, "motivo di revoca non consentito al titolare: "+reasonName(reason),
			"revocation reason not allowed to the holder: "+reasonName(reason))
	}
	if d.Template.SerialNumber == nil || !bytesEqual(d.Template.Issuer, x.c.Cert.RawSubject) {
		return fail(cmp.FailBadCertID, "certificato da revocare non emesso da questa CA", "certificate to revoke not issued by this CA")
	}
	named, err := x.c.Store.Cert(ctx, SerialHex(d.Template.SerialNumber))
	if err != nil {
		return fail(cmp.FailBadCertID, "certificato da revocare sconosciuto", "unknown certificate to revoke")
	}
	switch {
	case reason == cmp.ReasonCertificateHold:
		return x.suspend(ctx, named)
	case reason == cmp.ReasonRemoveFromCRL:
		return x.reactivate(ctx, named)
	case onHold(named):
		return x.revokeHeld(ctx, named, reason)
	case !named.RevokedAt.IsZero():
		return fail(cmp.FailCertRevoked, "il certificato è già revocato", "the certificate is already revoked")
	}
	return x.revokeNamed(ctx, named, reason)
}

// revokeNamed applies the rules on who may revoke named (see above) and revokes it.
func (x *exchange) revokeNamed(ctx context.Context, named *store.Cert, reason int) *cmp.PKIStatusInfo {
	t, err := x.c.Store.TxnForCert(ctx, named.Serial)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fail(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
	}
	own := x.signer.Serial == named.Serial
	renewedBySigner := named.Parent != "" && named.Parent == x.signer.Serial && t != nil
	switch {
	case !own && !renewedBySigner:
		return fail(cmp.FailNotAuthorized, "si può revocare solo il proprio certificato", "only one's own certificate can be revoked")
	case !x.signer.RevokedAt.IsZero():
		return fail(cmp.FailCertRevoked, "il certificato che firma la richiesta è revocato", "the certificate signing the request is revoked")
	case !own && t.State == store.StateConfirmed && x.now.Sub(named.IssuedAt) > UnconfirmedWindow:
		return fail(cmp.FailNotAuthorized, "il rinnovo è confermato da oltre "+UnconfirmedWindow.String()+": va revocato con il suo stesso certificato",
			"the renewal was confirmed more than "+UnconfirmedWindow.String()+" ago: revoke it with its own certificate")
	}
	switch {
	case t != nil && (t.State == store.StateIssued || (!own && t.State == store.StateConfirmed)):
		err = x.c.Store.Withdraw(ctx, t.ID, reason)
	default:
		err = x.c.Store.Revoke(ctx, named.Serial, reason, x.now)
	}
	if errors.Is(err, store.ErrState) {
		return fail(cmp.FailNotAuthorized, "il rinnovo è già chiuso: nulla da revocare", "the renewal is already closed: nothing to revoke")
	}
	if err != nil {
		return fail(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
	}
	if x.c.Logf != nil {
		x.c.Logf("revoked %s (%s) at the holder's request", named.Serial, reasonName(reason))
	}
	return nil
}

func reasonName(code int) string {
	if r, ok := revocationReasons[code]; ok {
		return r.name
	}
	return "CRLReason " + strconv.Itoa(code)
}
