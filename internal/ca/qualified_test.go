package ca

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
)

// TestOpenSSLQualifiedSignatureKUR: a qualified-like signature certificate (keyUsage nonRepudiation
// only) protects the kur that renews it, as RFC 9483 §4.1.3 says; ponte-ca accepts it and the renewal is
// recorded and confirmed in its database. The same certificate may not authorise an ir.
func TestOpenSSLQualifiedSignatureKUR(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("firma", func(p *profile.Profile) {
		p.Roles, p.Mode, p.DelaySeconds, p.IR, p.Secrets = []profile.Role{profile.RoleSignature}, profile.ModeRekey, 0, profile.IRSignature, nil
	})
	key, keyPath := tc.key("sig.key")
	old, oldPath := tc.issueRole("sig.pem", key, "/C=IT/CN=MARIA NERI/serialNumber=TINIT-NREMRA80A41H501X", inWindow(), 1100, profile.RoleSignature)
	if old.KeyUsage != x509.KeyUsageContentCommitment {
		t.Fatalf("test certificate keyUsage %b, want nonRepudiation only", old.KeyUsage)
	}
	_, newKeyPath := tc.key("new.key")
	out, err := openssl(t, tc.cmpArgs("firma", "-cmd", "kur", "-cert", oldPath, "-key", keyPath, "-newkey", newKeyPath,
		"-trusted", tc.path(CertFile), "-certout", tc.path("new.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp kur protected by a nonRepudiation-only certificate: %v\n%s", err, out)
	}
	mustContain(t, out, "received KUP", "sending CERTCONF", "received PKICONF")
	nc := readCert(t, tc.path("new.pem"))
	if nc.KeyUsage != x509.KeyUsageContentCommitment {
		t.Fatalf("renewed signature certificate keyUsage %b", nc.KeyUsage)
	}
	rec, err := tc.ca.Store.Cert(context.Background(), SerialHex(nc.SerialNumber))
	if err != nil || rec.Parent != SerialHex(old.SerialNumber) || rec.Role != string(profile.RoleSignature) {
		t.Fatalf("renewal not recorded: %+v %v", rec, err)
	}
	if tx, err := tc.ca.Store.TxnForCert(context.Background(), rec.Serial); err != nil || tx.State != store.StateConfirmed {
		t.Fatalf("renewal transaction: %+v %v", tx, err)
	}

	// An ir on the signature-authorised profile, protected by the signature-only certificate: refused.
	_, otherKey := tc.key("other.key")
	out, err = openssl(t, tc.cmpArgs("firma", "-cmd", "ir", "-cert", oldPath, "-key", keyPath, "-newkey", otherKey,
		"-subject", "/C=IT/CN=MARIA NERI/serialNumber=TINIT-NREMRA80A41H501X", "-trusted", tc.path(CertFile), "-certout", tc.path("ir.pem"))...)
	if err == nil {
		t.Fatalf("ir authorised by a nonRepudiation-only certificate:\n%s", out)
	}
	mustContain(t, out, "notAuthorized", "autorizza solo il proprio rinnovo")
}
