package ui

import (
	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// Manage is what the card list offers next to one certificate besides RINNOVA: suspend, reactivate,
// revoke (renew.ChangeStatus), when a CA profile names the certificate's issuer.
type Manage struct {
	Profile        string // the profile's name ("" when no profile can reach the issuing CA)
	SuspensionDays int    // the CA's stated suspension window; 0: suspension is not offered
}

// Lifecycle is a suspension, reactivation or revocation on screen: what follows, the PIN, the outcome.
type Lifecycle struct {
	Screen         string // "confirm", "pin", "progress", "done", "failure"
	Action         renew.Action
	CardID, CertID string
	Holder, Role   string
	ProfileName    string
	SuspensionDays int
	Reason         int   // the CRLReason picked for a revocation
	Reasons        []int // the choices (renew.RevokeReasons)
	PIN            PINView
	Failure        *renew.Failure
	// Busy: a PIN submit is running (app.Controller.BeginLifecycle); the submit button is disabled.
	Busy bool
	// Status is the OCSP answer asked right after the CA accepted (internal/certwatch), nil if none came.
	Status *certcache.Status
}

// NewLifecycle opens the confirmation screen of action on a certificate.
func NewLifecycle(action renew.Action, cardID, certID, holder, role string, m Manage, pin PINView) *Lifecycle {
	l := &Lifecycle{Screen: "confirm", Action: action, CardID: cardID, CertID: certID, Holder: holder, Role: role,
		ProfileName: m.Profile, SuspensionDays: m.SuspensionDays, PIN: pin}
	if action == renew.ActionRevoke {
		l.Reasons = renew.RevokeReasons
		l.Reason = renew.RevokeReasons[0]
	}
	return l
}

// manageArgs is what the certmanage template needs for one certificate: the offer and its state now.
type manageArgs struct {
	Card, Cert         string
	M                  Manage
	Suspended, Revoked bool
}

func (s State) manageArgs(card string, c protocol.Certificate) manageArgs {
	a := manageArgs{Card: card, Cert: c.ID, M: s.Manage[card+"/"+c.ID]}
	if st := s.Watch.CertStatus(c); st != nil && st.State == certcache.StatusRevoked {
		a.Suspended, a.Revoked = st.Reason == reasonCertificateHold, st.Reason != reasonCertificateHold
	}
	return a
}

// reasonCertificateHold is CRLReason certificateHold (RFC 5280 §5.3.1): a suspension.
const reasonCertificateHold = 6
