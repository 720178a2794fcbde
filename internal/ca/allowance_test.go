package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// renewalsOf reads from the CA's database what became of every certificate renewing old: the
// transaction state per serial and whether it is revoked.
func renewalsOf(t *testing.T, tc *testCA, old *x509.Certificate) (states map[string]string, revoked map[string]bool) {
	t.Helper()
	ctx := context.Background()
	certs, err := tc.ca.Store.Certs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states, revoked = map[string]string{}, map[string]bool{}
	for _, c := range certs {
		if c.Parent != SerialHex(old.SerialNumber) {
			continue
		}
		tx, err := tc.ca.Store.TxnForCert(ctx, c.Serial)
		if err != nil {
			t.Fatal(err)
		}
		states[c.Serial], revoked[c.Serial] = tx.State, !c.RevokedAt.IsZero()
	}
	return states, revoked
}

// checkI2 asserts invariant I2 on the database: confirmed renewals of old are exactly want, each of them
// valid, and every other renewal revoked.
func checkI2(t *testing.T, tc *testCA, old *x509.Certificate, want int) {
	t.Helper()
	states, revoked := renewalsOf(t, tc, old)
	confirmed := 0
	for serial, st := range states {
		if st == store.StateConfirmed {
			confirmed++
			if revoked[serial] {
				t.Errorf("confirmed renewal %s is revoked", serial)
			}
		} else if !revoked[serial] {
			t.Errorf("renewal %s in state %s is not revoked", serial, st)
		}
	}
	n, err := tc.ca.Store.ConfirmedRenewals(context.Background(), SerialHex(old.SerialNumber))
	if confirmed != want || n != want || err != nil {
		t.Fatalf("confirmed renewals: %d in the transactions, %d counted (%v), want %d; states %v", confirmed, n, err, want, states)
	}
}

// TestOpenSSLRejectedThenRenewed: openssl rejects the new certificate in its certConf (it does not chain
// to -out_trusted); ponte-ca revokes it and the allowance of one renewal is still there, so the same old
// certificate renews at once; then the allowance is used up.
func TestOpenSSLRejectedThenRenewed(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	oc := tc.renewable("old", "/C=IT/CN=RIFIUTATO/serialNumber=TINIT-RFTRFT80A01H501U")
	_, newKeyPath := tc.key("new.key")
	other := newTestCA(t)
	kur := func(out string, more ...string) (string, error) {
		return openssl(t, tc.cmpArgs("now", append([]string{"-cmd", "kur", "-cert", oc.certPath, "-key", oc.keyPath, "-newkey", newKeyPath,
			"-trusted", tc.path(CertFile), "-certout", tc.path(out)}, more...)...)...)
	}
	out, err := kur("rejected.pem", "-out_trusted", other.path(CertFile))
	if err == nil {
		t.Fatalf("openssl accepted a certificate that does not chain to -out_trusted:\n%s", out)
	}
	mustContain(t, out, "sending CERTCONF", "received PKICONF")
	checkI2(t, tc, oc.cert, 0)
	if states, _ := renewalsOf(t, tc, oc.cert); len(states) != 1 {
		t.Fatalf("renewals after the rejection: %v", states)
	}

	out, err = kur("new.pem")
	if err != nil {
		t.Fatalf("renewal after a rejected certificate refused: %v\n%s", err, out)
	}
	mustContain(t, out, "received KUP", "received PKICONF")
	checkI2(t, tc, oc.cert, 1)

	out, err = kur("again.pem")
	if err == nil {
		t.Fatalf("a second confirmed renewal accepted:\n%s", out)
	}
	mustContain(t, out, "alreadyRenewed")
	checkI2(t, tc, oc.cert, 1)
}

// TestParallelRenewals: several clients renew the same certificate at once, each confirming what it
// gets; at most one renewal ends confirmed, every other one is revoked (I2 under concurrency).
func TestParallelRenewals(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	oc := tc.renewable("old", "/C=IT/CN=PARALLELO")
	var wg sync.WaitGroup
	var confirmed atomic.Int32
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &peer{t: t, tc: tc, profile: "now", cert: oc.cert, key: oc.key}
			newKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Error(err)
				return
			}
			tid := make([]byte, 16)
			rand.Read(tid)
			ans := p.send(tid, p.kur(newKey, "", ""))
			if ans.Body.CertRep == nil || ans.Body.CertRep.Responses[0].Cert == nil {
				return // refused: already renewed
			}
			cert, _ := x509.ParseCertificate(ans.Body.CertRep.Responses[0].Cert)
			hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
			if p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}).Body.Type == cmp.BodyPKIConf {
				confirmed.Add(1)
			}
		}()
	}
	wg.Wait()
	checkI2(t, tc, oc.cert, 1)
	if confirmed.Load() != 1 {
		t.Fatalf("%d clients got pkiConf for their certConf", confirmed.Load())
	}
}

// TestPaidUnconfirmedRevokedAndRefunded: a paid profile never grants implicit confirmation although
// asked (RFC 9810 §5.1.1.1); a certificate left unconfirmed past UnconfirmedWindow is revoked and
// refunded at the next message; the holder then renews and is charged once in all (I3).
func TestPaidUnconfirmedRevokedAndRefunded(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	var offset atomic.Int64
	tc.ca.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	yes := true
	tc.profile("paid", func(p *profile.Profile) { p.Price, p.DelaySeconds, p.ImplicitConfirm = 500, 0, &yes })
	if *tc.ca.Profiles["paid"].ImplicitConfirm {
		t.Fatal("a paid profile kept implicitConfirm")
	}
	if err := tc.ca.AddAccount(ctx, "studio", "una-password-lunga", 1200); err != nil {
		t.Fatal(err)
	}
	c := tc.renewable("old", "/C=IT/CN=PAGANTE IMPLICITO")
	p := &peer{t: t, tc: tc, profile: "paid", cert: c.cert, key: c.key, implicit: true}
	newKey, _ := tc.key("n.key")
	tid := make([]byte, 16)
	rand.Read(tid)
	ans := p.send(tid, p.kur(newKey, "studio", "una-password-lunga"))
	if certResponse(t, ans).Cert == nil || ans.Header.ImplicitConfirm() {
		t.Fatalf("paid answer: implicit confirmation %v, certificate %v", ans.Header.ImplicitConfirm(), certResponse(t, ans).Cert != nil)
	}
	if a, _ := tc.ca.Store.Account(ctx, "studio"); a.Balance != 700 {
		t.Fatalf("balance after issuance %d", a.Balance)
	}
	// Just inside the window nothing happens; past it the next message closes the transaction.
	offset.Store(int64(UnconfirmedWindow - time.Minute))
	tc.ca.HandleCMP(ctx, "paid", []byte{0})
	if tx, _ := tc.ca.Store.Txn(ctx, txnID(&cmp.Message{Header: cmp.Header{TransactionID: tid}})); tx.State != store.StateIssued {
		t.Fatalf("closed inside the window: %s", tx.State)
	}
	offset.Store(int64(UnconfirmedWindow + time.Minute))
	tc.ca.HandleCMP(ctx, "paid", []byte{0})
	if tx, _ := tc.ca.Store.Txn(ctx, txnID(&cmp.Message{Header: cmp.Header{TransactionID: tid}})); tx.State != store.StateUnconfirmed {
		t.Fatalf("state past the window: %s", tx.State)
	}
	checkI2(t, tc, c.cert, 0)
	if a, _ := tc.ca.Store.Account(ctx, "studio"); a.Balance != 1200 {
		t.Fatalf("balance after the unconfirmed certificate %d, want 1200", a.Balance)
	}
	// A late certConf cannot bring it back (the CA's clock back to the client's, or the skew check answers).
	offset.Store(0)
	cert, _ := x509.ParseCertificate(certResponse(t, ans).Cert)
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	if late := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}); late.Body.Type != cmp.BodyError ||
		!strings.Contains(strings.Join(late.Body.Error.Status.StatusString, " "), "non confermato in tempo") {
		t.Fatalf("late certConf answered %v %+v", late.Body.Type, late.Body.Error)
	}
	checkI2(t, tc, c.cert, 0)

	// Renewed again, confirmed: charged once in all.
	rand.Read(tid)
	cert2, _ := x509.ParseCertificate(certResponse(t, p.send(tid, p.kur(newKey, "studio", "una-password-lunga"))).Cert)
	hash, _ = cmp.CertHash(cert2, pkix.AlgorithmIdentifier{})
	if a := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}); a.Body.Type != cmp.BodyPKIConf {
		t.Fatalf("certConf answered %v", a.Body.Type)
	}
	checkI2(t, tc, c.cert, 1)
	a, _ := tc.ca.Store.Account(ctx, "studio")
	charges, _ := tc.ca.Store.Charges(ctx, "studio")
	kept := 0
	for _, ch := range charges {
		if ch.RefundedAt.IsZero() {
			kept++
		}
	}
	if a.Balance != 700 || len(charges) != 2 || kept != 1 {
		t.Fatalf("balance %d, charges %+v: want 700 and one charge kept", a.Balance, charges)
	}
}
