package renew

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
)

// The holder's own changes to a card certificate's status (seed 004: "può essere
// sospeso/riattivato/revocato su volontà del titolare"): one revocation request (rr, RFC 9810 §5.3.9)
// signed with the certificate's own key on the card (RFC 9483 §4.2), to the CA that issued it. What the
// CA allows — who may suspend or reactivate, for how long — is its profile's (docs/ca-profiles.md,
// "Suspension and reactivation"); a refusal comes back in the CA's words.

// Action is what the holder asks.
type Action string

const (
	ActionSuspend    Action = "suspend"    // certificateHold: the certificate stops working, can come back
	ActionReactivate Action = "reactivate" // removeFromCRL: a suspended certificate works again
	ActionRevoke     Action = "revoke"     // for good, with one of RevokeReasons
)

// RevokeReasons are the CRLReasons (RFC 5280 §5.3.1) the holder picks from for a permanent revocation.
var RevokeReasons = []int{cmp.ReasonKeyCompromise, cmp.ReasonCessationOfOperation, cmp.ReasonAffiliationChanged}

// ReasonOf is the CRLReason sent for a; reason is the holder's pick for ActionRevoke.
func ReasonOf(a Action, reason int) (int, error) {
	switch a {
	case ActionSuspend:
		return cmp.ReasonCertificateHold, nil
	case ActionReactivate:
		return cmp.ReasonRemoveFromCRL, nil
	case ActionRevoke:
		for _, r := range RevokeReasons {
			if r == reason {
				return r, nil
			}
		}
		return 0, fmt.Errorf("revocation reason %d is not one the holder gives", reason)
	}
	return 0, fmt.Errorf("unknown certificate action %q", a)
}

// IssuerProfile is the first profile whose CA issued cert (its issuers list names cert's issuer, or is
// empty): the CA to ask. nil when none does.
func IssuerProfile(profiles []*Profile, cert protocol.Certificate) *Profile {
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return nil
	}
	for _, p := range profiles {
		if issuerListed(p, x) {
			return p
		}
	}
	return nil
}

// ChangeStatus sends the rr for cert, signed by its own key on card (the PIN already presented; pin is
// for keys that ask it at each signature), and returns nil once the CA accepted it, a *Failure otherwise.
func ChangeStatus(ctx context.Context, p *Profile, card Card, cert protocol.Certificate, a Action, reason int, pin hostcard.PINFunc) error {
	code, err := ReasonOf(a, reason)
	if err != nil {
		return classify(err)
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return classify(err)
	}
	protect := &cmp.SignatureProtection{Signer: card.Signer(ctx, cert.ID, x.PublicKey, pin), Cert: x}
	if err := p.Client().Revoke(ctx, x, protect, code); err != nil {
		return classify(err)
	}
	return nil
}
