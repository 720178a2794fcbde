package ca

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// Revocation requests (rr, RFC 9483 §4.2) against ponte-ca: docs/ca-profiles.md "Revocation".

// ocspSays asks ponte-ca's /ocsp with openssl ocsp about certPath and checks the answer contains wants.
func (tc *testCA) ocspSays(certPath string, wants ...string) {
	tc.t.Helper()
	out, err := openssl(tc.t, "ocsp", "-issuer", tc.path(CertFile), "-url", tc.base+"/ocsp", "-CAfile", tc.path(CertFile), "-cert", certPath)
	if err != nil {
		tc.t.Fatalf("openssl ocsp: %v\n%s", err, out)
	}
	mustContain(tc.t, out, append([]string{"Response verify OK"}, wants...)...)
}

// rrArgs is openssl cmp -cmd rr of the certificate at oldcert, signed with cert/key, for reason.
func (tc *testCA) rrArgs(oldcert, cert, key string, reason int) []string {
	return tc.cmpArgs("renew", "-cmd", "rr", "-oldcert", oldcert, "-cert", cert, "-key", key,
		"-revreason", fmt.Sprint(reason), "-trusted", tc.path(CertFile))
}

// TestOpenSSLRevocation: openssl cmp revokes a holder's own certificate; OCSP (openssl ocsp) and the CRL
// say revoked at once with the reason given. Another holder's certificate cannot revoke it, a reason the
// holder may not give (certificateHold on a profile without suspension) is refused, and revoking twice
// says certRevoked.
func TestOpenSSLRevocation(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("renew", func(*profile.Profile) {})
	cns := tc.ca.Profiles["cns"] // tc.issue records this profile: its rules apply
	cns.SuspendBy, cns.ReactivateBy, cns.MaxSuspensionDays = profile.ByNone, profile.ByNone, 0
	a := tc.renewable("a", "/C=IT/CN=TITOLARE A/serialNumber=TINIT-RSSMRA80A01H501U")
	b := tc.renewable("b", "/C=IT/CN=TITOLARE B/serialNumber=TINIT-BNCNNA80A41H501X")
	tc.ocspSays(a.certPath, a.certPath+": good")

	out, err := openssl(t, tc.rrArgs(a.certPath, b.certPath, b.keyPath, cmp.ReasonKeyCompromise)...)
	if err == nil {
		t.Fatalf("B revoked A's certificate:\n%s", out)
	}
	mustContain(t, out, "notAuthorized", "si può revocare solo il proprio certificato")
	out, err = openssl(t, tc.rrArgs(a.certPath, a.certPath, a.keyPath, cmp.ReasonCertificateHold)...)
	if err == nil {
		t.Fatalf("certificateHold accepted:\n%s", out)
	}
	mustContain(t, out, "la sospensione non è prevista per questo certificato")
	tc.ocspSays(a.certPath, a.certPath+": good")

	if out, err := openssl(t, tc.rrArgs(a.certPath, a.certPath, a.keyPath, cmp.ReasonKeyCompromise)...); err != nil {
		t.Fatalf("openssl cmp rr: %v\n%s", err, out)
	}
	tc.ocspSays(a.certPath, a.certPath+": revoked", "Reason: keyCompromise")
	tc.ocspSays(b.certPath, b.certPath+": good")
	crl, err := tc.ca.CRL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(crl)
	if err != nil || len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(a.cert.SerialNumber) != 0 ||
		rl.RevokedCertificateEntries[0].ReasonCode != cmp.ReasonKeyCompromise {
		t.Fatalf("CRL: %v %+v", err, rl)
	}
	out, err = openssl(t, tc.rrArgs(a.certPath, a.certPath, a.keyPath, cmp.ReasonUnspecified)...)
	if err == nil {
		t.Fatalf("second rr accepted:\n%s", out)
	}
	mustContain(t, out, "certRevoked")
}

// TestClientRevokeWithdrawsRenewal: the renewal engine's rollback and "Annulla il rinnovo" revoke a
// renewal's new certificate with Ponte's cmp.Client.Revoke, protected by the OLD certificate (its key is
// the one the engine holds). On a paid profile, unconfirmed and then confirmed: the certificate is revoked
// (OCSP), the charge refunded exactly once, the allowance not used (I2, I3), and the old certificate
// renews again. A renewal confirmed by its own key stays counted when revoked by that key.
func TestClientRevokeWithdrawsRenewal(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	tc.profile("paid", func(p *profile.Profile) { p.Price, p.DelaySeconds = 500, 0 })
	if err := tc.ca.AddAccount(ctx, "studio", "una-password-lunga", 1500); err != nil {
		t.Fatal(err)
	}
	old := tc.renewable("old", "/C=IT/CN=RINNOVO ANNULLATO")
	p := &peer{t: t, tc: tc, profile: "paid", cert: old.cert, key: old.key}
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "paid"), Anchors: anchors}
	byOld := &cmp.SignatureProtection{Signer: old.key, Cert: old.cert}
	balance := func(want int64) {
		t.Helper()
		if a, _ := tc.ca.Store.Account(ctx, "studio"); a.Balance != want {
			t.Fatalf("balance %d, want %d", a.Balance, want)
		}
	}
	confirm := func(tid []byte, c *x509.Certificate) {
		t.Helper()
		hash, _ := cmp.CertHash(c, pkix.AlgorithmIdentifier{})
		if a := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}); a.Body.Type != cmp.BodyPKIConf {
			t.Fatalf("certConf answered %v", a.Body.Type)
		}
	}
	withdrawn := func(c *x509.Certificate) {
		t.Helper()
		if err := cl.Revoke(ctx, c, byOld, cmp.ReasonCessationOfOperation); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		tx, err := tc.ca.Store.TxnForCert(ctx, SerialHex(c.SerialNumber))
		if err != nil || tx.State != store.StateWithdrawn {
			t.Fatalf("transaction %+v %v: want withdrawn", tx, err)
		}
		tc.ocspSays(pemFile(t, tc, c), ": revoked", "Reason: cessationOfOperation")
		// Repeated (the rp was lost): certRevoked, nothing refunded twice.
		var ref *cmp.Refusal
		if err := cl.Revoke(ctx, c, byOld, cmp.ReasonCessationOfOperation); !errors.As(err, &ref) || !ref.Status.FailInfo.Has(cmp.FailCertRevoked) {
			t.Fatalf("second Revoke: %v", err)
		}
	}

	// Issued, not confirmed yet.
	_, _, n1 := p.renewNow("studio", "una-password-lunga")
	balance(1000)
	withdrawn(n1)
	balance(1500)
	checkI2(t, tc, old.cert, 0)

	// Confirmed (the engine's implicit case: the certificate never worked on the card), then withdrawn.
	tid, _, n2 := p.renewNow("studio", "una-password-lunga")
	confirm(tid, n2)
	checkI2(t, tc, old.cert, 1)
	withdrawn(n2)
	balance(1500)
	checkI2(t, tc, old.cert, 0)

	// The allowance is intact: a third renewal, confirmed, then revoked by its own key: it was used, it
	// stays counted and charged.
	tid, k3, n3 := p.renewNow("studio", "una-password-lunga")
	confirm(tid, n3)
	if err := cl.Revoke(ctx, n3, &cmp.SignatureProtection{Signer: k3, Cert: n3}, cmp.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	if n, _ := tc.ca.Store.ConfirmedRenewals(ctx, SerialHex(old.cert.SerialNumber)); n != 1 {
		t.Fatalf("a used renewal revoked by its holder counts %d, want 1", n)
	}
	balance(1000)

	// The old certificate cannot revoke an unrelated certificate.
	other := tc.renewable("other", "/C=IT/CN=ALTRO")
	var ref *cmp.Refusal
	if err := cl.Revoke(ctx, other.cert, byOld, cmp.ReasonUnspecified); !errors.As(err, &ref) || !ref.Status.FailInfo.Has(cmp.FailNotAuthorized) {
		t.Fatalf("revoking another's certificate: %v", err)
	}
	tc.ocspSays(other.certPath, ": good")
}

// pemFile writes c as PEM in tc's directory (for openssl) and returns the path.
func pemFile(t *testing.T, tc *testCA, c *x509.Certificate) string {
	t.Helper()
	name := make([]byte, 6)
	rand.Read(name)
	path := tc.path(fmt.Sprintf("c-%x.pem", name))
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
