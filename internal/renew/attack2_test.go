package renew_test

// Session 6's attacks on issue #14's invariants, in orders of faults the matrix and attack_test.go do not
// make: two faults in one step, a fault during the rollback itself, a renewal after an abandoned one.
// Every check reads the real state: the token through pkcs11-tool, ponte-ca's SQLite books, the journal.

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// newFreeWorld is a faultWorld on ponte-ca's free "cns" profile as `ponte-ca init` writes it: implicit
// confirmation granted, one renewal per certificate (the allowance a lost release would burn), no delay.
func newFreeWorld(t *testing.T) *faultWorld {
	t.Helper()
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{})
	if !w.profile.ImplicitConfirm {
		t.Fatal("the free cns profile does not ask for implicit confirmation")
	}
	p := *w.bed.CA.Profiles["cns"]
	p.DelaySeconds = 0
	if err := w.bed.CA.AddProfile(&p); err != nil {
		t.Fatal(err)
	}
	f := &faultWorld{world: w, t: t, hostBin: testenv.Build(t, "host", "ponte-host")}
	f.info, f.old = w.cert(t, "cns")
	f.balance = balanceOf(t, w)
	f.keys = f.privateKeys()
	return f
}

// writeFailsCADown: the card refuses the certificate for good and, at that moment, ponte-ca goes down:
// the rollback that follows cannot tell the CA (its certConf rejection or rr finds no CA).
type writeFailsCADown struct {
	renew.Card
	stop func()
}

func (c writeFailsCADown) WriteCertificate(context.Context, string, string, []byte) error {
	c.stop()
	return protocol.Errorf(protocol.ErrInternal, "test: the card refuses the certificate")
}

// caState is what ponte-ca's books say of a certificate it issued: revoked or not, and how many confirmed
// renewals of the old certificate count toward its allowance.
func (f *faultWorld) caState(newCert []byte) (revoked bool, counted int) {
	f.t.Helper()
	oldX, _ := x509.ParseCertificate(f.old.DER)
	newX, err := x509.ParseCertificate(newCert)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := f.bed.CA.Store.Cert(ctx, ca.SerialHex(newX.SerialNumber))
	if err != nil {
		f.t.Fatal(err)
	}
	n, err := f.bed.CA.Store.ConfirmedRenewals(ctx, ca.SerialHex(oldX.SerialNumber))
	if err != nil {
		f.t.Fatal(err)
	}
	return !rec.RevokedAt.IsZero(), n
}

// TestRollbackWhileTheCAIsDown (I2, I4): the write fails (final) and the CA is down during the rollback,
// so the rollback's release of the implicitly confirmed certificate does not reach it. The card is put
// back; the CA still holds a valid certificate for a key that no longer exists, counted toward the one
// renewal allowed. Once the CA is back the holder must be able to end that, by Annulla il rinnovo (the
// card list must still show the record) or by simply renewing again: the lost certificate revoked and not
// counted, and the new renewal done.
func TestRollbackWhileTheCAIsDown(t *testing.T) {
	for _, annulla := range []bool{true, false} {
		t.Run(map[bool]string{true: "annulla-then-renew", false: "renew-again"}[annulla], func(t *testing.T) {
			f := newFreeWorld(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e := f.freeEngine()
			e.Card = writeFailsCADown{Card: e.Card, stop: f.bed.StopCA}
			r, err := e.Begin(ctx, f.info, f.old)
			if r == nil || r.NewCert == nil {
				t.Fatalf("the CA issued nothing: %v", err)
			}
			t.Logf("write refused, CA down: %v (step %s)\n%s", err, r.Step, renew.DiagnosticLog(r))
			if n := f.privateKeys(); n != f.keys {
				t.Fatalf("%d private keys after the rollback, %d before:\n%s", n, f.keys, f.objects())
			}
			if _, now := f.cert(t, "cns"); !bytes.Equal(now.DER, f.old.DER) {
				t.Fatal("the card's CNS certificate is not the old one after the rollback")
			}
			if err := f.bed.StartCA(); err != nil {
				t.Fatal(err)
			}
			saved, err := f.journal.Load(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !saved.NeedsAttention() {
				t.Errorf("the card list no longer shows the renewal whose certificate the CA was not told of")
			}
			if annulla {
				if err := f.freeEngine().Abandon(ctx, saved); err != nil {
					t.Fatalf("Annulla once the CA is back: %v\n%s", err, renew.DiagnosticLog(saved))
				}
				if revoked, counted := f.caState(r.NewCert); !revoked || counted != 0 {
					t.Fatalf("I2: after Annulla the certificate whose key the rollback removed is revoked=%v, %d renewals counted", revoked, counted)
				}
			}
			again, err := f.freeEngine().Begin(ctx, f.info, f.old)
			if err != nil || again.Step != renew.StepDone {
				t.Fatalf("I2: the new renewal after the lost release: %v", err)
			}
			if revoked, counted := f.caState(r.NewCert); !revoked || counted != 1 {
				t.Fatalf("I2: the first certificate revoked=%v, %d renewals counted (want revoked, 1: the new one)", revoked, counted)
			}
			_, now := f.cert(t, "cns")
			if !bytes.Equal(now.DER, again.NewCert) || now.ID != again.NewKey {
				t.Fatal("the card's CNS certificate is not the new renewal's")
			}
			verifyWithOpenSSL(t, f.world, now.DER)
			if n := f.privateKeys(); n != f.keys {
				t.Fatalf("%d private keys after the renewal, %d before:\n%s", n, f.keys, f.objects())
			}
			if saved, err = f.journal.Load(r.ID); err != nil || saved.NeedsAttention() {
				t.Fatalf("the first record still needs attention after the CA was told: %v", err)
			}
		})
	}
}

// freeEngine is an engine for the free profile: no account.
func (f *faultWorld) freeEngine() *renew.Engine {
	e := f.engine(30 * time.Second)
	e.Account = nil
	return e
}
