package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// TestUnconfirmedCertAuthorisesNothing: a renewed certificate not confirmed yet (it may still be
// rejected, superseded or left unconfirmed, then revoked) cannot protect a request of its own — neither
// the renewal of itself nor an ir. Otherwise a holder renews the renewal before confirming it, the CA
// then supersedes the first renewal, and the second one stays valid beside the confirmed renewal of the
// same old certificate: two certificates for one renewal allowance (I2).
func TestUnconfirmedCertAuthorisesNothing(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	// A short validity inside the renewal window: the new certificate is renewable at once.
	tc.profile("short", func(p *profile.Profile) {
		p.DelaySeconds, p.ValidityDays, p.RenewalWindowDays, p.MaxLifetimeYears, p.IR = 0, 50, 60, 0, profile.IRSignature
	})
	old := tc.renewable("old", "/C=IT/CN=RINNOVO DEL RINNOVO/serialNumber=TINIT-RSSMRA80A01H501U")
	p := &peer{t: t, tc: tc, profile: "short", cert: old.cert, key: old.key}
	_, k1, n1 := p.renewNow("", "")
	if n1 == nil {
		t.Fatal("renewal refused")
	}
	// n1 is issued, its certConf not sent: it authorises nothing.
	p1 := &peer{t: t, tc: tc, profile: "short", cert: n1, key: k1}
	k2, _ := tc.key("n2.key")
	for _, body := range []cmp.Body{p1.kur(k2, "", ""), irBody(t, p1, k2)} {
		tid2 := make([]byte, 16)
		rand.Read(tid2)
		ans := p1.send(tid2, body)
		if ans.Body.CertRep == nil || len(ans.Body.CertRep.Responses) != 1 || ans.Body.CertRep.Responses[0].Cert != nil ||
			!ans.Body.CertRep.Responses[0].Status.FailInfo.Has(cmp.FailNotAuthorized) {
			t.Fatalf("%v protected by an unconfirmed certificate answered %v %+v", body.Type, ans.Body.Type, ans.Body.CertRep.Responses)
		}
	}
	certs, err := tc.ca.Store.Certs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if c.Parent == SerialHex(n1.SerialNumber) || (c.Parent == "" && c.Serial != SerialHex(old.cert.SerialNumber)) {
			t.Fatalf("certificate %s issued on the authority of the unconfirmed %s", c.Serial, SerialHex(n1.SerialNumber))
		}
	}
}

// renewNow sends a kur for a new key in a new transaction (paid with account and password when id is
// not empty) and returns the transactionID, the new key and the certificate issued (nil if refused).
func (p *peer) renewNow(id, password string) ([]byte, crypto.Signer, *x509.Certificate) {
	p.t.Helper()
	k, _ := p.tc.key(fmt.Sprintf("new-%d.key", len(p.last)))
	tid := make([]byte, 16)
	rand.Read(tid)
	cert, _ := x509.ParseCertificate(certResponse(p.t, p.send(tid, p.kur(k, id, password))).Cert)
	return tid, k, cert
}

// irBody is an ir for the peer's own subject and key k.
func irBody(t *testing.T, p *peer, k crypto.Signer) cmp.Body {
	t.Helper()
	b := p.kur(k, "", "")
	b.Type = cmp.BodyIR
	b.CertReqMsgs[0].Controls = nil
	if err := b.CertReqMsgs[0].SignPOP(k); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRenewalOfRevokedNotIssued: a renewal accepted while its certificate was valid is not issued if the
// certificate is revoked before the delayed issuance (a card reported stolen meanwhile).
func TestRenewalOfRevokedNotIssued(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	var offset time.Duration
	tc.ca.Now = func() time.Time { return time.Now().Add(offset) }
	tc.profile("slow", func(p *profile.Profile) { p.DelaySeconds = 60 })
	old := tc.renewable("old", "/C=IT/CN=RUBATA")
	p := &peer{t: t, tc: tc, profile: "slow", cert: old.cert, key: old.key}
	k1, _ := tc.key("n1.key")
	tid := make([]byte, 16)
	rand.Read(tid)
	if r := certResponse(t, p.send(tid, p.kur(k1, "", ""))); r.Status.Status != cmp.StatusWaiting {
		t.Fatalf("first answer %+v", r.Status)
	}
	if err := tc.ca.Revoke(ctx, old.cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	offset = 2 * time.Minute
	ans := p.send(tid, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}})
	if ans.Body.CertRep != nil && len(ans.Body.CertRep.Responses) > 0 && ans.Body.CertRep.Responses[0].Cert != nil {
		t.Fatal("the renewal of a certificate revoked meanwhile was issued")
	}
	if states, _ := renewalsOf(t, tc, old.cert); len(states) != 0 {
		t.Fatalf("certificates renewing the revoked one: %v", states)
	}
}

// TestContinuationSignedByAnotherHolder: a pollReq or certConf continuing a renewal must be signed by the
// certificate being renewed (RFC 9483 §3.2: the same credentials as the request). Another holder's
// certificate of this CA, even knowing the transactionID and a nonce of the CA, cannot reject (or
// confirm, or fetch) someone else's renewal.
func TestContinuationSignedByAnotherHolder(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	victim := tc.renewable("victim", "/C=IT/CN=VITTIMA")
	other := tc.renewable("other", "/C=IT/CN=ALTRO")
	p := &peer{t: t, tc: tc, profile: "now", cert: victim.cert, key: victim.key}
	tid, _, cert := p.renewNow("", "")
	if cert == nil {
		t.Fatal("renewal refused")
	}
	intruder := &peer{t: t, tc: tc, profile: "now", cert: other.cert, key: other.key, last: p.last}
	for _, body := range []cmp.Body{
		{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: []byte("x"), StatusInfo: &cmp.PKIStatusInfo{Status: cmp.StatusRejection}}}},
		{Type: cmp.BodyPollReq, PollReq: []int{0}},
	} {
		ans := intruder.send(tid, body)
		if ans.Body.Type != cmp.BodyError || !ans.Body.Error.Status.FailInfo.Has(cmp.FailWrongIntegrity) {
			t.Fatalf("%v by another holder answered %v %+v", body.Type, ans.Body.Type, ans.Body.Error)
		}
	}
	if states, _ := renewalsOf(t, tc, victim.cert); len(states) != 1 {
		t.Fatalf("renewals %v", states)
	} else {
		for _, st := range states {
			if st != "issued" {
				t.Fatalf("the victim's renewal is %s", st)
			}
		}
	}
}

// TestRejectAfterConfirmNotAcknowledged: a certConf rejecting a certificate already confirmed does not
// get pkiConf — that would tell the client its rejection (and a refund) was taken while the certificate
// stays valid and charged; a repeated confirmation still gets pkiConf (RFC 9810 §5.3.18).
func TestRejectAfterConfirmNotAcknowledged(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	old := tc.renewable("old", "/C=IT/CN=CONFERMATO")
	p := &peer{t: t, tc: tc, profile: "now", cert: old.cert, key: old.key}
	tid, _, cert := p.renewNow("", "")
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	confirm := cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}
	reject := cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash, StatusInfo: &cmp.PKIStatusInfo{Status: cmp.StatusRejection}}}}
	if a := p.send(tid, confirm); a.Body.Type != cmp.BodyPKIConf {
		t.Fatalf("confirmation answered %v", a.Body.Type)
	}
	if a := p.send(tid, reject); a.Body.Type != cmp.BodyError {
		t.Fatalf("a rejection after the confirmation answered %v", a.Body.Type)
	}
	if a := p.send(tid, confirm); a.Body.Type != cmp.BodyPKIConf {
		t.Fatalf("a repeated confirmation answered %v", a.Body.Type)
	}
	checkI2(t, tc, old.cert, 1)
}

// TestConfirmAfterParentRevoked: a renewal issued but not yet confirmed when its certificate is revoked
// (a card reported stolen: the thief renewed it) is revoked and refunded with it, and cannot be
// confirmed any more: the certConf is refused (certRevoked).
func TestConfirmAfterParentRevoked(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	tc.profile("paid", func(p *profile.Profile) { p.DelaySeconds, p.Price = 0, 300 })
	if err := tc.ca.AddAccount(ctx, "studio", "una-password-lunga", 1000); err != nil {
		t.Fatal(err)
	}
	old := tc.renewable("old", "/C=IT/CN=RUBATA DOPO")
	p := &peer{t: t, tc: tc, profile: "paid", cert: old.cert, key: old.key}
	tid, _, cert := p.renewNow("studio", "una-password-lunga")
	if err := tc.ca.Revoke(ctx, old.cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	// At once, not at the certConf nor after the unconfirmed window: the thief's certificate is revoked.
	if rec, err := tc.ca.Store.Cert(ctx, SerialHex(cert.SerialNumber)); err != nil || rec.RevokedAt.IsZero() {
		t.Fatalf("the unconfirmed renewal of the revoked certificate is still valid: %+v %v", rec, err)
	}
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	a := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}})
	if a.Body.Type != cmp.BodyError || !a.Body.Error.Status.FailInfo.Has(cmp.FailCertRevoked) {
		t.Fatalf("certConf after the revocation answered %v %+v", a.Body.Type, a.Body.Error)
	}
	checkI2(t, tc, old.cert, 0)
	if acc, _ := tc.ca.Store.Account(ctx, "studio"); acc.Balance != 1000 {
		t.Fatalf("balance %d, want 1000 (refunded)", acc.Balance)
	}
}
