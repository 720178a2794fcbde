package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// Attacks on the suspension rules (docs/ca-profiles.md S1, S2): each asserts the certs row and OCSP.

const attackSubject = "/C=IT/CN=RSSMRA80A01H501U\\/12345/serialNumber=IT:RSSMRA80A01H501U"

// rowReason is the certs row of c: revoked or not, and the reason.
func (tc *testCA) rowReason(c card) (bool, int) {
	tc.t.Helper()
	rec, err := tc.ca.Store.Cert(context.Background(), SerialHex(c.cert.SerialNumber))
	if err != nil {
		tc.t.Fatal(err)
	}
	return !rec.RevokedAt.IsZero(), rec.RevocationReason
}

// rr sends named's revocation request with reason, signed by signer (Ponte's own client).
func (tc *testCA) rr(signer, named card, reason int) error {
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	return (&cmp.Client{URL: cmp.Endpoint(tc.base, "cns"), Anchors: anchors}).Revoke(context.Background(), named.cert,
		&cmp.SignatureProtection{Signer: signer.key.(crypto.Signer), Cert: signer.cert}, reason)
}

// TestOperatorRevokesHeldForGood: `ponte-ca revoke --reason 1` of a certificate its holder suspended makes
// the revocation permanent (S1): the row and OCSP say keyCompromise and the holder's removeFromCRL is
// refused. removeFromCRL is no revocation reason for the operator (RFC 5280 §5.3.1: delta CRLs only).
func TestOperatorRevokesHeldForGood(t *testing.T) {
	tc := newTestCA(t)
	a := tc.renewable("a", attackSubject)
	if err := tc.rr(a, a, cmp.ReasonCertificateHold); err != nil {
		t.Fatal(err)
	}
	if err := tc.ca.Revoke(context.Background(), a.cert.SerialNumber, cmp.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	if rev, reason := tc.rowReason(a); !rev || reason != cmp.ReasonKeyCompromise {
		t.Fatalf("operator's keyCompromise of a held certificate left revoked=%v reason %d", rev, reason)
	}
	if err := tc.rr(a, a, cmp.ReasonRemoveFromCRL); err == nil {
		t.Fatal("a certificate the operator revoked for keyCompromise was reactivated by its holder")
	}
	if r := tc.ocspStatus(a.cert); r.Status != ocsp.Revoked || r.RevocationReason != cmp.ReasonKeyCompromise {
		t.Fatalf("OCSP %d reason %d", r.Status, r.RevocationReason)
	}
	b := tc.renewable("b", attackSubject)
	if err := tc.ca.Revoke(context.Background(), b.cert.SerialNumber, cmp.ReasonRemoveFromCRL); err == nil {
		t.Fatal("the operator revoked a certificate with reason removeFromCRL")
	}
	if rev, _ := tc.rowReason(b); rev {
		t.Fatal("removeFromCRL revoked a valid certificate")
	}
}

// TestExpiredSiblingHasNoAuthority: an expired certificate of the same holder (an old card) neither
// suspends nor reactivates the holder's current certificate (suspendBy/reactivateBy "holder").
func TestExpiredSiblingHasNoAuthority(t *testing.T) {
	tc := newTestCA(t)
	a := tc.renewable("a", attackSubject)
	old := tc.card("old", attackSubject, time.Now().UTC().AddDate(-3, 0, 0), 30)
	if err := tc.rr(old, a, cmp.ReasonCertificateHold); err == nil {
		t.Fatal("an expired sibling suspended the holder's certificate")
	}
	if rev, _ := tc.rowReason(a); rev {
		t.Fatal("row revoked after the refused suspension")
	}
	if err := tc.rr(a, a, cmp.ReasonCertificateHold); err != nil {
		t.Fatal(err)
	}
	if err := tc.rr(old, a, cmp.ReasonRemoveFromCRL); err == nil {
		t.Fatal("an expired sibling reactivated the holder's certificate")
	}
	if rev, reason := tc.rowReason(a); !rev || reason != cmp.ReasonCertificateHold {
		t.Fatalf("revoked=%v reason %d after the refused reactivation", rev, reason)
	}
}

// TestReplayedRRRefused: an rr recorded once (openssl cmp -reqout) and sent again (-reqin) later does
// nothing: a reactivation replayed after a new suspension leaves the certificate suspended (RFC 9810
// §5.1.1: transactionID names one transaction).
func TestReplayedRRRefused(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { replayedRR(t, newTestCA(t)) })
	t.Run("postgres", func(t *testing.T) { replayedRR(t, newTestCAOn(t, pgcluster.NewDB(t))) })
}

func replayedRR(t *testing.T, tc *testCA) {
	tc.profile("renew", func(*profile.Profile) {})
	a := tc.renewable("a", attackSubject)
	rr := func(reason int, more ...string) (string, error) {
		return openssl(t, append(tc.rrArgs(a.certPath, a.certPath, a.keyPath, reason), more...)...)
	}
	saved := tc.path("r1.der")
	for i, step := range []struct {
		reason int
		more   []string
	}{{cmp.ReasonCertificateHold, nil}, {cmp.ReasonRemoveFromCRL, []string{"-reqout", saved}}, {cmp.ReasonCertificateHold, nil}} {
		if out, err := rr(step.reason, step.more...); err != nil {
			t.Fatalf("step %d: %v\n%s", i, err, out)
		}
	}
	out, err := rr(cmp.ReasonRemoveFromCRL, "-reqin", saved)
	if rev, reason := tc.rowReason(a); !rev || reason != cmp.ReasonCertificateHold {
		t.Fatalf("a replayed reactivation lifted a later suspension (revoked=%v reason %d): %v\n%s", rev, reason, err, out)
	}
	if err == nil || !strings.Contains(out, "transactionIdInUse") {
		t.Fatalf("replay answered %v\n%s", err, out)
	}
	tc.ocspSays(a.certPath, a.certPath+": revoked", "Reason: certificateHold")
}

// TestUnconfirmedSiblingHasNoAuthority: a renewal issued and not confirmed yet (certConf not sent)
// authorises nothing (docs/ca-profiles.md I2): not the suspension of the holder's other certificate.
func TestUnconfirmedSiblingHasNoAuthority(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("short", func(p *profile.Profile) {
		p.DelaySeconds, p.ValidityDays, p.RenewalWindowDays, p.MaxLifetimeYears = 0, 50, 60, 0
	})
	old := tc.renewable("old", attackSubject)
	sib := tc.renewable("sib", attackSubject)
	p := &peer{t: t, tc: tc, profile: "short", cert: old.cert, key: old.key}
	_, k1, n1 := p.renewNow("", "")
	if n1 == nil {
		t.Fatal("renewal refused")
	}
	if err := tc.rr(card{key: k1, cert: n1}, sib, cmp.ReasonCertificateHold); err == nil {
		t.Fatal("an unconfirmed renewal suspended the holder's other certificate")
	}
	if rev, _ := tc.rowReason(sib); rev {
		t.Fatal("row revoked after the refused suspension")
	}
}
