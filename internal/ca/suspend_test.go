package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// Suspension and reactivation by the holder: the promises of docs/ca-profiles.md ("Suspension and
// reactivation"), tested as a property over every reason × state × profile rule × signer, each case on
// a fresh certificate, asserting the CA's database and its OCSP answer against a model written here.

// holdState is the named certificate's state before the rr.
type holdState int

const (
	stValid          holdState = iota
	stHeldByHolder             // suspended by its holder, within the window
	stHeldByOperator           // ponte-ca revoke --reason 6: no holder to lift it
	stHeldByOther              // suspended by someone else (another codice fiscale)
	stHeldExpired              // suspended by its holder, window over: the sweep makes it permanent
	stRevoked                  // revoked for good (keyCompromise)
)

func (s holdState) String() string {
	return [...]string{"valid", "heldByHolder", "heldByOperator", "heldByOther", "heldExpired", "revoked"}[s]
}

// signerKind is who signs the rr: the certificate itself, the card's other certificate (same codice
// fiscale), or another person's.
type signerKind int

const (
	bySelf signerKind = iota
	bySibling
	byStranger
)

func (s signerKind) String() string { return [...]string{"self", "sibling", "stranger"}[s] }

// outcome is what the model expects: accepted, and then revoked or not with which reason.
type outcome struct {
	accepted bool
	revoked  bool
	reason   int
}

// allowedBy is the model of profile.Authority.
func allowedBy(a profile.Authority, s signerKind) bool {
	return (a == profile.BySelf && s == bySelf) || (a == profile.ByHolder && s != byStranger)
}

// expect is the model: RFC 5280 §5.3.1 holds and the profile's rules, written independently of
// suspend.go.
func expect(p *profile.Profile, st holdState, s signerKind, reason int) outcome {
	before := map[holdState]outcome{
		stValid: {}, stHeldByHolder: {revoked: true, reason: 6}, stHeldByOperator: {revoked: true, reason: 6}, stHeldByOther: {revoked: true, reason: 6},
		stHeldExpired: {revoked: true, reason: 0}, stRevoked: {revoked: true, reason: 1},
	}[st]
	held := st == stHeldByHolder || st == stHeldByOperator || st == stHeldByOther
	switch reason {
	case cmp.ReasonCertificateHold:
		if st == stValid && allowedBy(p.SuspendBy, s) {
			return outcome{true, true, 6}
		}
	case cmp.ReasonRemoveFromCRL:
		if st == stHeldByHolder && allowedBy(p.ReactivateBy, s) {
			return outcome{true, false, 0}
		}
	case cmp.ReasonUnspecified, cmp.ReasonKeyCompromise, cmp.ReasonAffiliationChanged, cmp.ReasonSuperseded, cmp.ReasonCessationOfOperation:
		if (st == stValid && s == bySelf) || (held && (s == bySelf || allowedBy(p.SuspendBy, s))) {
			return outcome{true, true, reason}
		}
	}
	return before
}

// suspensionRules are every valid suspendBy × reactivateBy combination.
func suspensionRules() []*profile.Profile {
	var out []*profile.Profile
	for _, sb := range []profile.Authority{profile.ByNone, profile.BySelf, profile.ByHolder} {
		for _, rb := range []profile.Authority{profile.ByNone, profile.BySelf, profile.ByHolder} {
			if sb == profile.ByNone && rb != profile.ByNone {
				continue
			}
			p := &profile.Profile{Name: fmt.Sprintf("s-%s-r-%s", sb, rb), Roles: []profile.Role{profile.RoleCNS, profile.RoleSignature},
				ValidityDays: 365, SuspendBy: sb, ReactivateBy: rb}
			if sb != profile.ByNone {
				p.MaxSuspensionDays = 30
			}
			out = append(out, p)
		}
	}
	return out
}

// issueOn provisions a certificate recorded as issued by profile name (its rules then apply).
func (tc *testCA) issueOn(name, subject string, role profile.Role) card {
	tc.t.Helper()
	var c card
	c.key, c.keyPath = tc.key(name + ".key")
	subj, err := dn.Marshal(subject)
	if err != nil {
		tc.t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(c.key.Public())
	now := time.Now().UTC().Truncate(time.Second)
	if c.cert, err = tc.ca.Issue(context.Background(), &Request{Subject: subj, SPKI: spki, Role: role,
		NotBefore: now.AddDate(0, 0, -10), NotAfter: now.AddDate(1, 0, 0), Profile: name}); err != nil {
		tc.t.Fatal(err)
	}
	return c
}

// ocspStatus asks the CA's /ocsp over HTTP and returns the parsed, verified answer.
func (tc *testCA) ocspStatus(c *x509.Certificate) *ocsp.Response {
	tc.t.Helper()
	req, err := ocsp.CreateRequest(c, tc.ca.Cert, nil)
	if err != nil {
		tc.t.Fatal(err)
	}
	resp, err := http.Post(tc.base+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	der, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(der, c, tc.ca.Cert)
	if err != nil {
		tc.t.Fatal(err)
	}
	return r
}

// setState brings a fresh certificate to st through the store, as earlier requests would have.
func (tc *testCA) setState(c *x509.Certificate, st holdState, holder, other string, at time.Time) {
	tc.t.Helper()
	ctx, serial := context.Background(), SerialHex(c.SerialNumber)
	var err error
	switch st {
	case stHeldByHolder:
		err = tc.ca.Store.Hold(ctx, store.HoldRecord{Serial: serial, By: serial, Holder: holder, HeldAt: at, Until: at.Add(30 * 24 * time.Hour)})
	case stHeldByOther:
		err = tc.ca.Store.Hold(ctx, store.HoldRecord{Serial: serial, By: "1", Holder: other, HeldAt: at, Until: at.Add(30 * 24 * time.Hour)})
	case stHeldExpired:
		err = tc.ca.Store.Hold(ctx, store.HoldRecord{Serial: serial, By: serial, Holder: holder, HeldAt: at.Add(-31 * 24 * time.Hour), Until: at.Add(-time.Second)})
	case stHeldByOperator:
		err = tc.ca.Store.Revoke(ctx, serial, cmp.ReasonCertificateHold, at)
	case stRevoked:
		err = tc.ca.Store.Revoke(ctx, serial, cmp.ReasonKeyCompromise, at)
	}
	if err != nil {
		tc.t.Fatal(err)
	}
}

// TestSuspensionMatrix: for every profile rule × state × signer × reason the rp, the certs row and
// OCSP are what the model says; a permanent revocation keeps its date; an accepted reactivation leaves a
// hold row ended "reactivated"; nothing but the named certificate changes.
func TestSuspensionMatrix(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { suspensionMatrix(t, newTestCA(t)) })
	t.Run("postgres", func(t *testing.T) { suspensionMatrix(t, newTestCAOn(t, pgcluster.NewDB(t))) })
}

func suspensionMatrix(t *testing.T, tc *testCA) {
	ctx := context.Background()
	rules := suspensionRules()
	for _, p := range rules {
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := tc.ca.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	const mine, other = "/C=IT/CN=RSSMRA80A01H501U\\/12345/serialNumber=IT:RSSMRA80A01H501U", "/C=IT/CN=ALTRO/serialNumber=TINIT-BNCNNA80A41H501X"
	sibling := tc.issueOn("cns", mine, profile.RoleSignature)
	stranger := tc.issueOn("cns", other, profile.RoleCNS)
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "cns"), Anchors: anchors}
	reasons := []int{cmp.ReasonKeyCompromise, 2 /* cACompromise: the CA's */, cmp.ReasonAffiliationChanged, cmp.ReasonCessationOfOperation, cmp.ReasonCertificateHold, cmp.ReasonRemoveFromCRL}
	n := 0
	for _, p := range rules {
		for st := stValid; st <= stRevoked; st++ {
			for s := bySelf; s <= byStranger; s++ {
				for _, reason := range reasons {
					n++
					name := fmt.Sprintf("%s/%v/%v/%d", p.Name, st, s, reason)
					target := tc.issueOn(p.Name, mine, profile.RoleCNS)
					at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
					tc.setState(target.cert, st, holderKey(target.cert), holderKey(stranger.cert), at)
					signer := map[signerKind]card{bySelf: target, bySibling: sibling, byStranger: stranger}[s]
					err := cl.Revoke(ctx, target.cert, &cmp.SignatureProtection{Signer: signer.key.(crypto.Signer), Cert: signer.cert}, reason)
					want := expect(p, st, s, reason)
					var ref *cmp.Refusal
					if want.accepted != (err == nil) || (err != nil && !errors.As(err, &ref)) {
						t.Fatalf("%s: rr answered %v, want accepted=%v", name, err, want.accepted)
					}
					checkRow(t, tc, name, target.cert, want, st, at)
				}
			}
		}
	}
	if n != 7*6*3*6 {
		t.Fatalf("%d cases", n)
	}
	for _, c := range []*x509.Certificate{sibling.cert, stranger.cert} {
		if r := tc.ocspStatus(c); r.Status != ocsp.Good {
			t.Fatalf("a signer's own certificate changed: OCSP %d", r.Status)
		}
	}
	// Every suspension, reactivation, expiry and hold made permanent is in the audit log, which accounts
	// for the certificates' and holds' rows.
	rep, err := tc.ca.Store.VerifyAudit(ctx)
	if err != nil || rep.Events[store.EventSuspend] == 0 || rep.Events[store.EventReactivate] == 0 || rep.Events[store.EventHoldExpired] == 0 {
		t.Fatalf("audit after the matrix: %v %v", rep.Events, err)
	}
}

// checkRow asserts the certs row, the hold rows and OCSP against want.
func checkRow(t *testing.T, tc *testCA, name string, c *x509.Certificate, want outcome, st holdState, at time.Time) {
	t.Helper()
	ctx, serial := context.Background(), SerialHex(c.SerialNumber)
	rec, err := tc.ca.Store.Cert(ctx, serial)
	if err != nil {
		t.Fatal(err)
	}
	if rec.RevokedAt.IsZero() == want.revoked || (want.revoked && rec.RevocationReason != want.reason) {
		t.Fatalf("%s: row revoked at %v reason %d, want revoked=%v reason %d", name, rec.RevokedAt, rec.RevocationReason, want.revoked, want.reason)
	}
	// A suspension made permanent dates from the suspension (X.509 §7.3); a fresh one from the rr.
	if st != stValid && want.revoked && st != stHeldExpired && !rec.RevokedAt.Equal(at) {
		t.Fatalf("%s: revocation date %v, want the earlier %v", name, rec.RevokedAt, at)
	}
	r := tc.ocspStatus(c)
	switch {
	case !want.revoked && r.Status != ocsp.Good:
		t.Fatalf("%s: OCSP status %d, want good", name, r.Status)
	case want.revoked && (r.Status != ocsp.Revoked || r.RevocationReason != want.reason || !r.RevokedAt.Equal(rec.RevokedAt)):
		t.Fatalf("%s: OCSP %d reason %d at %v, want revoked reason %d at %v", name, r.Status, r.RevocationReason, r.RevokedAt, want.reason, rec.RevokedAt)
	}
	holds, err := tc.ca.Store.Holds(ctx, serial)
	if err != nil {
		t.Fatal(err)
	}
	active, _ := tc.ca.Store.ActiveHold(ctx, serial)
	if (active != nil) != (want.revoked && want.reason == cmp.ReasonCertificateHold && st != stHeldByOperator) {
		t.Fatalf("%s: active hold %+v with row %+v", name, active, rec)
	}
	if st == stHeldByHolder && !want.revoked && (len(holds) != 1 || holds[0].Outcome != store.HoldReactivated) {
		t.Fatalf("%s: holds %+v after a reactivation", name, holds)
	}
}

// TestOpenSSLSuspendReactivate: openssl cmp -cmd rr with -revreason 6 suspends (openssl ocsp: revoked,
// certificateHold), with 8 reactivates (good again, after a restart of the CA in between); a second
// suspension left past the profile's window
// cannot be lifted and OCSP says revoked, dated from the suspension.
func TestOpenSSLSuspendReactivate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { openSSLSuspendReactivate(t, newTestCA(t)) })
	t.Run("postgres", func(t *testing.T) { openSSLSuspendReactivate(t, newTestCAOn(t, pgcluster.NewDB(t))) })
}

func openSSLSuspendReactivate(t *testing.T, tc *testCA) {
	tc.profile("renew", func(*profile.Profile) {})
	a := tc.renewable("a", "/C=IT/CN=TITOLARE A/serialNumber=TINIT-RSSMRA80A01H501U")
	rr := func(reason int) (string, error) {
		return openssl(t, tc.rrArgs(a.certPath, a.certPath, a.keyPath, reason)...)
	}
	if out, err := rr(cmp.ReasonCertificateHold); err != nil {
		t.Fatalf("suspension: %v\n%s", err, out)
	}
	tc.ocspSays(a.certPath, a.certPath+": revoked", "Reason: certificateHold")
	tc.restart() // the suspension and who made it are in the database, not in the process
	tc.ocspSays(a.certPath, a.certPath+": revoked", "Reason: certificateHold")
	if out, err := rr(cmp.ReasonCertificateHold); err == nil || !bytes.Contains([]byte(out), []byte("certRevoked")) {
		t.Fatalf("second suspension: %v\n%s", err, out)
	}
	if out, err := rr(cmp.ReasonRemoveFromCRL); err != nil {
		t.Fatalf("reactivation: %v\n%s", err, out)
	}
	tc.ocspSays(a.certPath, a.certPath+": good")
	if out, err := rr(cmp.ReasonRemoveFromCRL); err == nil || !bytes.Contains([]byte(out), []byte("il certificato non è sospeso")) {
		t.Fatalf("reactivating a valid certificate: %v\n%s", err, out)
	}

	if out, err := rr(cmp.ReasonCertificateHold); err != nil {
		t.Fatalf("suspension: %v\n%s", err, out)
	}
	held, _ := tc.ca.Store.Cert(context.Background(), SerialHex(a.cert.SerialNumber))
	later := time.Now().Add(time.Duration(tc.ca.Profiles["cns"].MaxSuspensionDays)*24*time.Hour + time.Minute)
	tc.ca.Now = func() time.Time { return later }
	if r := tc.ocspStatus(a.cert); r.Status != ocsp.Revoked || r.RevocationReason != cmp.ReasonUnspecified {
		t.Fatalf("an expired suspension says status %d reason %d", r.Status, r.RevocationReason)
	}
	tc.ca.Now = nil // openssl checks the answers' times against its own clock
	tc.ocspSays(a.certPath, a.certPath+": revoked", "Revocation Time: "+held.RevokedAt.Format("Jan _2 15:04:05 2006 GMT"))
	if out, err := rr(cmp.ReasonRemoveFromCRL); err == nil || !bytes.Contains([]byte(out), []byte("revocato definitivamente")) {
		t.Fatalf("reactivation after the window: %v\n%s", err, out)
	}
}

// TestCRLFollowsHolds (S6): each suspension, reactivation and expiry gives a CRL with a greater number
// (the audit log's head) whose entries say so: certificateHold while suspended, absent once lifted,
// unspecified and dated from the suspension once the window has passed.
func TestCRLFollowsHolds(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	c := tc.issueOn("cns", "/C=IT/CN=ANNA/serialNumber=X", profile.RoleCNS)
	serial := SerialHex(c.cert.SerialNumber)
	var last int64
	crl := func(what string, want int) *x509.RevocationList {
		t.Helper()
		der, err := tc.ca.CRL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if l.Number.Int64() <= last || len(l.RevokedCertificateEntries) > 1 ||
			(want < 0) != (len(l.RevokedCertificateEntries) == 0) || (want >= 0 && l.RevokedCertificateEntries[0].ReasonCode != want) {
			t.Fatalf("%s: CRL number %d (before %d), entries %+v, want reason %d", what, l.Number, last, l.RevokedCertificateEntries, want)
		}
		last = l.Number.Int64()
		return l
	}
	crl("valid", -1)
	now := time.Now().UTC().Truncate(time.Second)
	if err := tc.ca.Store.Hold(ctx, store.HoldRecord{Serial: serial, By: serial, Holder: "X", HeldAt: now, Until: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	crl("suspended", cmp.ReasonCertificateHold)
	if err := tc.ca.Reactivate(ctx, c.cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	crl("reactivated", -1)
	if err := tc.ca.Suspend(ctx, c.cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	held := crl("suspended by the operator", cmp.ReasonCertificateHold).RevokedCertificateEntries[0].RevocationTime
	tc.ca.Now = func() time.Time { return time.Now().AddDate(0, 0, 2) }
	if l := crl("window passed", cmp.ReasonUnspecified); !l.RevokedCertificateEntries[0].RevocationTime.Equal(held) {
		t.Fatalf("revocation dated %v, want the suspension's %v", l.RevokedCertificateEntries[0].RevocationTime, held)
	}
}
