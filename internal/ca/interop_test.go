package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
)

// openssl cmp (a client nobody here wrote) against ponte-ca.

// TestOpenSSLInitialRequestMAC: ir protected by the profile's shared secret (-ref/-secret), delayed
// issuance so openssl polls, explicit certConf; then p10cr on the same profile.
func TestOpenSSLInitialRequestMAC(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("enrol", func(p *profile.Profile) { p.DelaySeconds = 1 })
	_, keyPath := tc.key("k1.pem")
	subject := "/C=IT/O=Ponte/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U"
	out, err := openssl(t, tc.cmpArgs("enrol", "-cmd", "ir", "-ref", "demo", "-secret", "pass:"+testIRSecret,
		"-newkey", keyPath, "-subject", subject, "-certout", tc.path("c1.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp ir: %v\n%s", err, out)
	}
	mustContain(t, out, "received 'waiting' PKIStatus", "sending POLLREQ", "sending CERTCONF", "received PKICONF")
	if out, err := openssl(t, "verify", "-CAfile", tc.path(CertFile), tc.path("c1.pem")); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	c := readCert(t, tc.path("c1.pem"))
	checkCNS(t, tc, c)
	want, _ := dnDER(subject)
	if !bytes.Equal(c.RawSubject, want) {
		t.Errorf("subject changed: %s", c.Subject)
	}
	rec, err := tc.ca.Store.Cert(context.Background(), SerialHex(c.SerialNumber))
	if err != nil || rec.Parent != "" {
		t.Fatalf("issued certificate not recorded: %v %+v", err, rec)
	}

	// p10cr with a CSR made by openssl req, implicit confirmation granted.
	csr := tc.path("req.csr")
	if out, err := openssl(t, "req", "-new", "-key", keyPath, "-subj", "/C=IT/CN=P10 TEST", "-out", csr); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = openssl(t, tc.cmpArgs("enrol", "-cmd", "p10cr", "-ref", "demo", "-secret", "pass:"+testIRSecret,
		"-csr", csr, "-implicit_confirm", "-certout", tc.path("p10.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp p10cr: %v\n%s", err, out)
	}
	if strings.Contains(out, "sending CERTCONF") {
		t.Errorf("implicit confirmation not granted:\n%s", out)
	}
	if out, err := openssl(t, "verify", "-CAfile", tc.path(CertFile), tc.path("p10.pem")); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}

	// genm answered with genp under the same MAC.
	out, err = openssl(t, tc.cmpArgs("enrol", "-cmd", "genm", "-ref", "demo", "-secret", "pass:"+testIRSecret)...)
	if err != nil {
		t.Fatalf("openssl cmp genm: %v\n%s", err, out)
	}
	mustContain(t, out, "received GENP")

	// A wrong secret is refused with badMessageCheck.
	out, err = openssl(t, tc.cmpArgs("enrol", "-cmd", "ir", "-ref", "demo", "-secret", "pass:not-the-secret",
		"-trusted", tc.path(CertFile), "-newkey", keyPath, "-subject", subject, "-certout", tc.path("bad.pem"))...)
	if err == nil {
		t.Fatalf("wrong secret accepted:\n%s", out)
	}
	mustContain(t, out, "badMessageCheck")
}

func dnDER(s string) ([]byte, error) { return dn.Marshal(s) }

// checkCNS checks the CNS authentication profile of an issued certificate.
func checkCNS(t *testing.T, tc *testCA, c *x509.Certificate) {
	t.Helper()
	if len(c.SerialNumber.Bytes()) < 8 || len(c.SerialNumber.Bytes()) > 16 {
		t.Errorf("serial %x is not a 16-byte random number", c.SerialNumber)
	}
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 || c.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		t.Errorf("key usage %b", c.KeyUsage)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("extended key usage %v", c.ExtKeyUsage)
	}
	if len(c.PolicyIdentifiers) != 1 || !c.PolicyIdentifiers[0].Equal(asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}) {
		t.Errorf("policies %v", c.PolicyIdentifiers)
	}
	if !bytes.Equal(c.AuthorityKeyId, tc.ca.Cert.SubjectKeyId) || len(c.SubjectKeyId) == 0 {
		t.Errorf("AKI %x SKI %x", c.AuthorityKeyId, c.SubjectKeyId)
	}
	if len(c.OCSPServer) != 1 || c.OCSPServer[0] != tc.base+"/ocsp" || len(c.CRLDistributionPoints) != 1 || c.CRLDistributionPoints[0] != tc.base+"/crl" {
		t.Errorf("OCSP %v CRL %v", c.OCSPServer, c.CRLDistributionPoints)
	}
}

// TestOpenSSLKeyUpdate: kur signed by the old certificate, delayed (openssl polls), implicit
// confirmation; a second renewal of the same certificate is refused.
func TestOpenSSLKeyUpdate(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("renew", func(p *profile.Profile) { p.DelaySeconds = 1 })
	oc := tc.renewable("old", "/C=IT/CN=ANNA BIANCHI/serialNumber=TINIT-BNCNNA80A41H501X")
	old, oldPath, oldKeyPath := oc.cert, oc.certPath, oc.keyPath
	_, newKeyPath := tc.key("new.key")
	out, err := openssl(t, tc.cmpArgs("renew", "-cmd", "kur", "-cert", oldPath, "-key", oldKeyPath, "-newkey", newKeyPath,
		"-trusted", tc.path(CertFile), "-implicit_confirm", "-certout", tc.path("new.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp kur: %v\n%s", err, out)
	}
	mustContain(t, out, "received 'waiting' PKIStatus", "sending POLLREQ", "received KUP")
	if strings.Contains(out, "sending CERTCONF") {
		t.Errorf("implicit confirmation not granted:\n%s", out)
	}
	if out, err := openssl(t, "verify", "-CAfile", tc.path(CertFile), tc.path("new.pem")); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	nc := readCert(t, tc.path("new.pem"))
	checkCNS(t, tc, nc)
	if !bytes.Equal(nc.RawSubject, old.RawSubject) || bytes.Equal(nc.RawSubjectPublicKeyInfo, old.RawSubjectPublicKeyInfo) {
		t.Fatal("renewed certificate must keep the subject and carry the new key")
	}
	rec, _ := tc.ca.Store.Cert(context.Background(), SerialHex(nc.SerialNumber))
	if rec.Parent != SerialHex(old.SerialNumber) || rec.LineageRenewals != 1 || !rec.LineageStart.Equal(old.NotBefore) {
		t.Fatalf("lineage not recorded: %+v", rec)
	}

	// The same certificate again: one renewal per certificate.
	out, err = openssl(t, tc.cmpArgs("renew", "-cmd", "kur", "-cert", oldPath, "-key", oldKeyPath, "-newkey", newKeyPath,
		"-trusted", tc.path(CertFile), "-certout", tc.path("again.pem"))...)
	if err == nil {
		t.Fatalf("second renewal accepted:\n%s", out)
	}
	mustContain(t, out, "rejection", "notAuthorized", "alreadyRenewed: questo certificato è già stato rinnovato", "this certificate has already been renewed")
}

// TestOpenSSLExplicitConfirmAndExtend: kur with the same key on the extension-to-date profile with an
// explicit certConf; the new certificate ends on the profile's date.
func TestOpenSSLExplicitConfirmAndExtend(t *testing.T) {
	tc := newTestCA(t)
	k := tc.renewable("k", "/C=IT/CN=LUCA VERDI")
	keyPath, certPath := k.keyPath, k.certPath
	out, err := openssl(t, tc.cmpArgs("extend", "-cmd", "kur", "-cert", certPath, "-key", keyPath, "-newkey", keyPath,
		"-trusted", tc.path(CertFile), "-certout", tc.path("ext.pem"))...)
	if err != nil {
		t.Fatalf("openssl cmp kur (same key): %v\n%s", err, out)
	}
	mustContain(t, out, "sending CERTCONF", "received PKICONF")
	ext := readCert(t, tc.path("ext.pem"))
	want, _ := tc.ca.Profiles["extend"].ExtendToTime()
	if !ext.NotAfter.Equal(want) {
		t.Fatalf("extended to %v, want %v", ext.NotAfter, want)
	}
	tx, err := tc.ca.Store.TxnForCert(context.Background(), SerialHex(ext.SerialNumber))
	if err != nil || tx.State != store.StateConfirmed {
		t.Fatalf("transaction not confirmed by certConf: %+v %v", tx, err)
	}
	// The default cns profile with a rekey-only copy refuses the same key.
	tc.profile("rekeyonly", func(p *profile.Profile) { p.Mode = profile.ModeRekey; p.DelaySeconds = 0 })
	k2 := tc.renewable("k2", "/C=IT/CN=LUCA VERDI")
	key2Path, cert2Path := k2.keyPath, k2.certPath
	out, err = openssl(t, tc.cmpArgs("rekeyonly", "-cmd", "kur", "-cert", cert2Path, "-key", key2Path, "-newkey", key2Path,
		"-trusted", tc.path(CertFile), "-certout", tc.path("ext2.pem"))...)
	if err == nil {
		t.Fatalf("same key accepted on a rekey profile:\n%s", out)
	}
	mustContain(t, out, "badCertTemplate", "keyReuseNotAllowed")
}

// TestOpenSSLRefusals: each policy refusal with its failInfo and statusString, as openssl prints them.
func TestOpenSSLRefusals(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	now := time.Now().UTC().Truncate(time.Second)
	cases := []struct {
		name      string
		notBefore time.Time
		days      int
		revoke    bool
		want      []string
	}{
		{"outside the window", now, 1095, false, []string{"notAuthorized", "renewalWindowNotOpen: rinnovabile solo negli ultimi 90 giorni", "renewable only in the last 90 days"}},
		{"lifetime cap", now.AddDate(-6, 0, 20), 2200, false, []string{"notAuthorized", "maxLifetimeReached: durata massima di 6 anni", "maximum lifetime of 6 years"}},
		{"revoked", inWindow(), 1100, true, []string{"certRevoked", "certificateRevoked: il certificato è revocato"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tc.card("r", "/CN=REFUSAL "+string(rune('A'+i)), c.notBefore, c.days)
			cert, certPath, keyPath := r.cert, r.certPath, r.keyPath
			if c.revoke {
				if err := tc.ca.Revoke(context.Background(), cert.SerialNumber, 1); err != nil {
					t.Fatal(err)
				}
			}
			_, newKeyPath := tc.key("rn.key")
			out, err := openssl(t, tc.cmpArgs("now", "-cmd", "kur", "-cert", certPath, "-key", keyPath, "-newkey", newKeyPath,
				"-trusted", tc.path(CertFile), "-certout", tc.path("rout.pem"))...)
			if err == nil {
				t.Fatalf("renewal accepted:\n%s", out)
			}
			mustContain(t, out, append([]string{"rejection"}, c.want...)...)
			if _, err := tc.ca.Store.Waiting(context.Background(), SerialHex(cert.SerialNumber)); err == nil {
				t.Fatal("a refused renewal was recorded")
			}
		})
	}
	// A certificate from another CA: signerNotTrusted.
	other := newTestCA(t)
	o := other.renewable("o", "/CN=ALTRA CA")
	keyPath, certPath := o.keyPath, o.certPath
	_, newKeyPath := tc.key("on.key")
	out, err := openssl(t, tc.cmpArgs("now", "-cmd", "kur", "-cert", certPath, "-key", keyPath, "-newkey", newKeyPath,
		"-trusted", tc.path(CertFile), "-certout", tc.path("oout.pem"))...)
	if err == nil {
		t.Fatalf("foreign certificate accepted:\n%s", out)
	}
	mustContain(t, out, "signerNotTrusted")
}

// TestOpenSSLRestartDuringDelayedRequest: ponte-ca is closed and reopened (database and all) while
// openssl waits to poll; openssl collects the certificate from the new instance.
func TestOpenSSLRestartDuringDelayedRequest(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("slow", func(p *profile.Profile) { p.DelaySeconds = 4 })
	oc := tc.renewable("old", "/C=IT/CN=RIAVVIO")
	oldPath, oldKeyPath := oc.certPath, oc.keyPath
	_, newKeyPath := tc.key("new.key")
	// The CA logs each exchange as it answers it; the first pollRep (checkAfter) means openssl, which
	// polls once at once after a waiting kup (RFC 9483 §4.4), is now sleeping checkAfter seconds.
	polled := make(chan struct{}, 1)
	tc.ca.mu.Lock() // HandleCMP reads Logf under mu.RLock; the server is already running
	tc.ca.Logf = func(format string, args ...any) {
		if strings.Contains(fmt.Sprintf(format, args...), "-> pollRep") {
			select {
			case polled <- struct{}{}:
			default:
			}
		}
	}
	tc.ca.mu.Unlock()
	done := make(chan struct{})
	var out string
	var err error
	go func() {
		defer close(done)
		// -keep_alive 0: the restart closes connections, as a real one would; the transaction survives.
		out, err = openssl(t, tc.cmpArgs("slow", "-keep_alive", "0", "-cmd", "kur", "-cert", oldPath, "-key", oldKeyPath, "-newkey", newKeyPath,
			"-trusted", tc.path(CertFile), "-certout", tc.path("new.pem"))...)
	}()
	select {
	case <-polled:
	case <-done:
		t.Fatalf("openssl ended before its first pollRep: %v\n%s", err, out)
	}
	if _, err := tc.ca.Store.Waiting(context.Background(), SerialHex(oc.cert.SerialNumber)); err != nil {
		t.Fatalf("the request is not recorded as waiting: %v", err)
	}
	// The restart is graceful, as Serve's on SIGTERM (tc.stop): the pollRep being sent is finished first.
	tc.restart()
	<-done
	if err != nil {
		t.Fatalf("openssl cmp kur across a restart: %v\n%s", err, out)
	}
	mustContain(t, out, "received KUP", "received PKICONF")
	if out, err := openssl(t, "verify", "-CAfile", tc.path(CertFile), tc.path("new.pem")); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
}

// TestOpenSSLOCSP: good, revoked and unknown, as openssl ocsp sees them.
func TestOpenSSLOCSP(t *testing.T) {
	tc := newTestCA(t)
	o := tc.card("o", "/CN=OCSP", time.Now().UTC(), 30)
	cert, certPath := o.cert, o.certPath
	ask := func(args ...string) string {
		t.Helper()
		out, err := openssl(t, append([]string{"ocsp", "-issuer", tc.path(CertFile), "-url", tc.base + "/ocsp", "-CAfile", tc.path(CertFile)}, args...)...)
		if err != nil {
			t.Fatalf("openssl ocsp: %v\n%s", err, out)
		}
		mustContain(t, out, "Response verify OK")
		return out
	}
	mustContain(t, ask("-cert", certPath), certPath+": good")
	if err := tc.ca.Revoke(context.Background(), cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ask("-cert", certPath), certPath+": revoked", "Reason: keyCompromise")
	mustContain(t, ask("-serial", "0x1234"), "0x1234: unknown")
	// The CRL lists it too.
	crl, err := tc.ca.CRL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(crl)
	if err != nil || len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 || rl.CheckSignatureFrom(tc.ca.Cert) != nil {
		t.Fatalf("CRL: %v %+v", err, rl)
	}
}

// TestOpenSSLSignatureRole: a signature certificate (nonRepudiation only, qualified-like policy) by an ir
// signed with the holder's CNS certificate (profile ir "signature"), for the holder's own codice fiscale
// only, and only while the CNS certificate is valid.
func TestOpenSSLSignatureRole(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("firma", func(p *profile.Profile) {
		p.Roles, p.IR, p.Secrets, p.DelaySeconds = []profile.Role{profile.RoleSignature}, profile.IRSignature, nil, 0
	})
	cns := tc.card("cns", "/C=IT/CN=RSSMRA80A01H501U\\/8038000000000001", time.Now().UTC(), 365)
	_, sigKeyPath := tc.key("sig.key")
	ir := func(c card, subject, out string) (string, error) {
		return openssl(t, tc.cmpArgs("firma", "-cmd", "ir", "-cert", c.certPath, "-key", c.keyPath, "-newkey", sigKeyPath,
			"-subject", subject, "-trusted", tc.path(CertFile), "-certout", tc.path(out))...)
	}
	// Someone else's codice fiscale, or none at all: refused, nothing issued.
	for _, subj := range []string{"/C=IT/CN=LUIGI BIANCHI/serialNumber=TINIT-BNCLGU80A01H501W", "/C=IT/CN=MARIO ROSSI",
		"/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U/serialNumber=TINIT-BNCLGU80A01H501W"} {
		out, err := ir(cns, subj, "x.pem")
		if err == nil {
			t.Fatalf("ir for %s authorised by RSSMRA80A01H501U:\n%s", subj, out)
		}
		mustContain(t, out, "badCertTemplate", "deve indicare il codice fiscale")
	}
	// A signer that has expired or is revoked: refused.
	expired := tc.card("exp", "/C=IT/CN=RSSMRA80A01H501U\\/8038000000000002", time.Now().UTC().AddDate(-1, 0, -2), 365)
	revoked := tc.card("rev", "/C=IT/CN=RSSMRA80A01H501U\\/8038000000000003", time.Now().UTC(), 365)
	if err := tc.ca.Revoke(context.Background(), revoked.cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		card card
		want string
	}{{expired, "è scaduto"}, {revoked, "revocato"}} {
		out, err := ir(c.card, "/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U", "x.pem")
		if err == nil {
			t.Fatalf("ir authorised by a signer that is not valid:\n%s", out)
		}
		mustContain(t, out, c.want)
	}
	if certs, _ := tc.ca.Store.Certs(context.Background()); len(certs) != 3 {
		t.Fatalf("%d certificates after the refusals, want the 3 provisioned", len(certs))
	}
	out, err := ir(cns, "/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U", "sig.pem")
	if err != nil {
		t.Fatalf("openssl cmp ir (signed): %v\n%s", err, out)
	}
	c := readCert(t, tc.path("sig.pem"))
	if c.KeyUsage != x509.KeyUsageContentCommitment || len(c.ExtKeyUsage) != 0 ||
		len(c.PolicyIdentifiers) != 1 || !c.PolicyIdentifiers[0].Equal(asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 2}) {
		t.Fatalf("signature certificate: ku %b eku %v policies %v", c.KeyUsage, c.ExtKeyUsage, c.PolicyIdentifiers)
	}
	if out, err := openssl(t, "verify", "-CAfile", tc.path(CertFile), tc.path("sig.pem")); err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	// The same profile has no shared secrets: a MAC-protected ir is refused (badMessageCheck).
	out, err = openssl(t, tc.cmpArgs("firma", "-cmd", "ir", "-ref", "demo", "-secret", "pass:"+testIRSecret, "-newkey", sigKeyPath,
		"-subject", "/CN=X", "-trusted", tc.path(CertFile), "-certout", tc.path("x.pem"))...)
	if err == nil {
		t.Fatalf("MAC ir accepted on a signature-only profile:\n%s", out)
	}
	mustContain(t, out, "badMessageCheck")
}
