package renew_test

// Session 6's attacks on issue #14's invariants, in orders of faults the matrix and attack_test.go do not
// make: two faults in one step, a fault during the rollback itself, a renewal after an abandoned one.
// Every check reads the real state: the token through pkcs11-tool, ponte-ca's SQLite books, the journal.

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
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

// stopAt cancels the engine's context as the record at step is saved: the holder closed the browser as
// that step began (the step's action then fails "interrupted", retriable, and changes nothing).
func stopAt(e *renew.Engine, step renew.Step, cancel func()) {
	e.Journal = &hookJournal{Journal: e.Journal, step: step, at: cancel}
}

// TestRenewAfterAbandon (I2, I3, I4): a renewal stopped after issuance is cancelled with Annulla il
// rinnovo, then the holder renews the same certificate again. The abandoned certificate must not have used
// the one renewal allowed nor its charge: the second renewal is done, the first certificate revoked, one
// renewal counted, one charge (paid) or none (free). Free: implicit confirmation (Annulla revokes with
// rr); paid: explicit, stopped before certConf (Annulla rejects in certConf).
func TestRenewAfterAbandon(t *testing.T) {
	for _, paid := range []bool{false, true} {
		t.Run(map[bool]string{false: "free-implicit", true: "paid-explicit"}[paid], func(t *testing.T) {
			var f *faultWorld
			if paid {
				f = newFaultWorld(t, 0)
			} else {
				f = newFreeWorld(t)
			}
			engine := func() *renew.Engine {
				if paid {
					return f.engine(30 * time.Second)
				}
				return f.freeEngine()
			}
			step := renew.StepWrite
			if paid {
				step = renew.StepConfirm
			}
			stopped, stop := context.WithCancel(context.Background())
			e := engine()
			stopAt(e, step, stop)
			r, err := e.Begin(stopped, f.info, f.old)
			if r == nil || r.NewCert == nil || r.Step != step {
				t.Fatalf("not stopped at %s after issuance: %v", step, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			f.abandonLeavesTheOldCard(t, ctx, r, "Annulla")
			again, err := engine().Begin(ctx, f.info, f.old)
			if err != nil {
				t.Fatalf("I2: renewing again after Annulla: %v", err)
			}
			if revoked, counted := f.caState(r.NewCert); !revoked || counted != 1 {
				t.Fatalf("the abandoned certificate revoked=%v, %d renewals counted (want revoked, 1)", revoked, counted)
			}
			want := f.balance
			if paid {
				want -= 500
			}
			if b := balanceOf(t, f.world); b != want {
				t.Fatalf("I3: balance %d, want %d", b, want)
			}
			_, now := f.cert(t, "cns")
			if !bytes.Equal(now.DER, again.NewCert) || now.ID != again.NewKey {
				t.Fatal("the card's CNS certificate is not the second renewal's")
			}
			if n := f.privateKeys(); n != f.keys {
				t.Fatalf("I4: %d private keys, %d before:\n%s", n, f.keys, f.objects())
			}
		})
	}
}

// TestAbandonWhileTheCAIsDownThenHostKilled (I1, I4, I5): Annulla il rinnovo is pressed while ponte-ca is
// down: it must change nothing on the card and keep the renewal open; then the host is killed and ponte-ca
// restarted (database closed and reopened). A second Annulla on a new host with the CA back ends it: the
// old certificate on the card, no new key, the new certificate rejected and refunded.
func TestAbandonWhileTheCAIsDownThenHostKilled(t *testing.T) {
	f := newFaultWorld(t, 0)
	stopped, stop := context.WithCancel(context.Background())
	e := f.engine(30 * time.Second)
	stopAt(e, renew.StepConfirm, stop)
	r, err := e.Begin(stopped, f.info, f.old)
	if r == nil || r.Step != renew.StepConfirm {
		t.Fatalf("not stopped at confirm: %v", err)
	}
	objects := f.objects()
	f.bed.StopCA()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var fl *renew.Failure
	if err := f.engine(30*time.Second).Abandon(ctx, r); !errors.As(err, &fl) || !fl.Retriable {
		t.Fatalf("Annulla with the CA down: %v, want a retriable failure", err)
	}
	if got := f.objects(); got != objects {
		t.Fatalf("Annulla with the CA down changed the card:\nbefore\n%s\nafter\n%s", objects, got)
	}
	if saved, err := f.journal.Load(r.ID); err != nil || saved.Step != renew.StepConfirm {
		t.Fatalf("the record after Annulla with the CA down: %v", err)
	}
	f.kill()
	if err := f.bed.RestartCA(); err != nil {
		t.Fatal(err)
	}
	f.start(t, f.hostBin)
	saved, err := f.journal.Load(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.abandonLeavesTheOldCard(t, ctx, saved, "Annulla with the CA back, on a new host")
}

// TestAccountDrainedWhileWaiting (I1, I3, I4): cards A and B of one holder pay from one prepaid account
// that covers one renewal. A's request is accepted and waits (the CA decides later, and charges only when
// it issues); meanwhile B renews and takes the money. When A's turn comes the CA refuses for want of
// credit: A's card must be as it was (no new key), nothing charged for it; after a top-up A renews.
func TestAccountDrainedWhileWaiting(t *testing.T) {
	tc := newTwoCardsDelayed(t, sameHolderB, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ea := tc.engineFor(tc.a)
	ea.CA.MaxWait = 0
	ra, err := ea.Begin(ctx, tc.a.info, tc.a.old)
	if !errors.Is(err, renew.ErrPending) || ra == nil {
		t.Fatalf("card A is not waiting at the CA: %v", err)
	}
	if err := tc.bed.CA.Store.Credit(ctx, tc.bed.Account, 500-tc.balance); err != nil { // one renewal left
		t.Fatal(err)
	}
	rb, err := tc.engineFor(tc.b).Begin(ctx, tc.b.info, tc.b.old)
	if err != nil {
		t.Fatalf("card B: %v", err)
	}
	tc.checkRenewed(tc.b, rb)
	if b := balanceOf(t, tc.world); b != 0 {
		t.Fatalf("balance after B: %d, want 0", b)
	}
	err = tc.engineFor(tc.a).Run(ctx, ra)
	t.Logf("card A with no credit left: %v (step %s)\n%s", err, ra.Step, renew.DiagnosticLog(ra))
	if ra.Step != renew.StepFailed {
		t.Fatalf("card A's renewal did not end for want of credit (step %s): %v", ra.Step, err)
	}
	tc.checkUntouched(tc.a)
	if b := balanceOf(t, tc.world); b != 0 {
		t.Fatalf("I3: balance %d after the refusal, want 0", b)
	}
	if saved, err := tc.journal.Load(ra.ID); err != nil || saved.NeedsAttention() {
		t.Fatalf("card A's refused renewal is still shown as open: %v", err)
	}
	if err := tc.bed.CA.Store.Credit(ctx, tc.bed.Account, 500); err != nil {
		t.Fatal(err)
	}
	again, err := tc.engineFor(tc.a).Begin(ctx, tc.a.info, tc.a.old)
	if err != nil {
		t.Fatalf("card A after the top-up: %v", err)
	}
	tc.checkRenewed(tc.a, again)
	if b := balanceOf(t, tc.world); b != 0 {
		t.Fatalf("balance %d at the end, want 0", b)
	}
}

// fullJournal is a journal on a disk that fills up: from the first save of a record at step on, every
// save fails as a full disk does (ENOSPC), until free is called.
type fullJournal struct {
	renew.Journal
	step renew.Step
	full bool
}

var errDiskFull = errors.New("test: no space left on device")

func (j *fullJournal) Save(r *renew.Renewal) error {
	if r.Step == j.step {
		j.full = true
	}
	if j.full {
		return errDiskFull
	}
	return j.Journal.Save(r)
}

// TestJournalDiskFull (I1–I4): the disk holding the journal fills up as the renewal reaches each step, so
// that step's record (and every later one) cannot be written. The card must keep a valid certificate for
// the role all along, and once space is freed the renewal resumes from the journal's last record and
// finishes: one new certificate, one charge, no extra key.
func TestJournalDiskFull(t *testing.T) {
	for _, step := range []renew.Step{renew.StepKeygen, renew.StepRequest, renew.StepWrite, renew.StepVerify,
		renew.StepConfirm, renew.StepCleanup, renew.StepDone} {
		t.Run(string(step), func(t *testing.T) {
			f := newFaultWorld(t, 0)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			// One page (one lease owner, renew.NewOwner) begins and, once space is freed, resumes: the stop
			// on a full disk cannot save the lease's release, so another page or `ponte renew` would be
			// answered RENEWAL_BUSY until the lease ends (docs/renewal.md, the lease's limits).
			owner := renew.NewOwner()
			e := f.engine(30 * time.Second)
			e.Owner = owner
			e.Journal = &fullJournal{Journal: e.Journal, step: step}
			r, err := e.Begin(ctx, f.info, f.old)
			if err == nil {
				t.Fatalf("the renewal went on with a full disk (step %s)", r.Step)
			}
			t.Logf("disk full at %s: %v", step, err)
			// The holder must be told what happened, and that it can be resumed: not that another window
			// carried the renewal on, nor an internal error.
			var fl *renew.Failure
			if !errors.As(err, &fl) || !fl.Retriable || fl.Code != "journal-write" {
				t.Errorf("a journal that cannot be written answered %v, want the retriable journal-write", err)
			}
			f.checkUsableCNS()
			all, lerr := f.journal.List()
			if lerr != nil || len(all) != 1 {
				t.Fatalf("journal after the full disk: %d records (%v)", len(all), lerr)
			}
			saved := all[0]
			again := f.engine(30 * time.Second)
			again.Owner = owner
			if err := again.Run(ctx, saved); err != nil {
				t.Fatalf("resuming from %s once space was freed: %v\n%s", saved.Step, err, renew.DiagnosticLog(saved))
			}
			f.checkDone(saved)
		})
	}
}

// checkUsableCNS (I1): the card holds a CNS certificate (the old one, or the new one; both between the
// write and the cleanup), and every CNS certificate on it has its private key and chains to the CA
// (openssl).
func (f *faultWorld) checkUsableCNS() {
	f.t.Helper()
	info, err := f.card.Info(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, c := range info.Certificates {
		if c.Role != "cns" {
			continue
		}
		n++
		if !c.HasKey {
			f.t.Fatalf("a CNS certificate on the card has no private key:\n%s", f.objects())
		}
		verifyWithOpenSSL(f.t, f.world, c.DER)
	}
	if n == 0 {
		f.t.Fatal("no CNS certificate on the card")
	}
}

// TestPINBlockedMidRenewal (I1, I2, I4): on a card whose renewal needs PIN and PUK (AC 2018; the lockshim
// module counts PIN tries as a card does), the PIN gets blocked as the write begins (three wrong PINs
// typed elsewhere: another program, another tab's PIN screen). The write's security-officer login works
// (the PUK is right), the user's login after it does not. A blocked PIN has a remedy the holder has — the
// PUK — so the renewal must wait for it, not be thrown away: once the PIN is unblocked with the PUK, the
// same renewal resumes and finishes, one certificate issued, one charge, no extra key.
func TestPINBlockedMidRenewal(t *testing.T) {
	f := newFaultWorldOn(t, 0, testbed.Options{Family: "AC", Shim: testenv.PKCS11Module(t, "lockshim")})
	if !f.puk {
		t.Fatal("the card does not ask the PUK")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := f.engine(30 * time.Second)
	e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepWrite, at: func() {
		// Another program logs the token out and mistypes the PIN until it locks.
		if err := f.card.Logout(ctx); err != nil {
			t.Error(err)
		}
		var errs []error
		for i := 0; i < 5; i++ { // the card's tries are 3; 5 bounds the loop
			_, err := f.card.Login(ctx, protocol.Secret("00000000"))
			var perr *protocol.Error
			if errors.As(err, &perr) && perr.Code == protocol.ErrPINLocked {
				return
			}
			errs = append(errs, err)
		}
		t.Errorf("the PIN did not lock after five wrong tries: %v", errs)
	}}
	r, err := e.Begin(ctx, f.info, f.old)
	t.Logf("PIN blocked as the write began: %v (step %s)\n%s", err, r.Step, renew.DiagnosticLog(r))
	f.checkUsableCNSKeyless()
	// Unblocked with the PUK, the PIN set back to the bed's (pkcs11-tool lists the token with it).
	if _, err := f.card.UnblockPIN(ctx, protocol.Secret(testbed.PUK), protocol.Secret(testbed.PIN)); err != nil {
		t.Fatalf("unblocking the PIN with the PUK: %v", err)
	}
	if _, err := f.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
		t.Fatal(err)
	}
	saved, err := f.journal.Load(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Step.Terminal() {
		t.Fatalf("the renewal was ended by the blocked PIN (%s, %v): the holder loses it though the PUK unblocks the PIN", saved.Step, saved.Failure)
	}
	if err := f.engine(30*time.Second).Run(ctx, saved); err != nil {
		t.Fatalf("resumed after the unblock: %v\n%s", err, renew.DiagnosticLog(saved))
	}
	f.checkDone(saved)
}

// checkUsableCNSKeyless (I1) is checkUsableCNS read through the host alone (no login: the PIN is blocked):
// the card still holds a CNS certificate chaining to the CA, the old one with its key among the card's
// objects.
func (f *faultWorld) checkUsableCNSKeyless() {
	f.t.Helper()
	info, err := f.card.Info(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range info.Certificates {
		if c.Role == "cns" && bytes.Equal(c.DER, f.old.DER) {
			verifyWithOpenSSL(f.t, f.world, c.DER)
			return
		}
	}
	f.t.Fatal("the old CNS certificate is no longer on the card")
}

// TestPCClockJumpsBack (I1–I4): the PC's clock is an hour behind for part of the renewal — wrong from the
// start, or corrected back by an hour between the test signature and certConf (ponte-ca refuses a
// messageTime more than 10 minutes off, RFC 9810 §5.1.1, badTime). Whatever the engine answers, the card
// keeps a usable certificate, and with the clock right again the holder ends with the card renewed once:
// one certificate counted, one charge, no extra key, any certificate not on the card revoked.
func TestPCClockJumpsBack(t *testing.T) {
	for _, at := range []renew.Step{renew.StepStart, renew.StepConfirm} {
		t.Run(string(at), func(t *testing.T) {
			f := newFaultWorld(t, 0)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var skew time.Duration
			clock := func() time.Time { return time.Now().Add(skew) }
			e := f.engine(30 * time.Second)
			e.Now, e.CA.Now = clock, clock
			if at == renew.StepStart {
				skew = -time.Hour
			} else {
				e.Journal = &hookJournal{Journal: e.Journal, step: at, at: func() { skew = -time.Hour }}
			}
			r, err := e.Begin(ctx, f.info, f.old)
			if r == nil {
				t.Fatalf("Begin with the clock an hour behind: %v", err)
			}
			t.Logf("clock an hour behind from %s: %v (step %s)\n%s", at, err, r.Step, renew.DiagnosticLog(r))
			f.checkUsableCNS()
			// The clock is right again: the holder resumes, or cancels and renews again, as the screens offer.
			saved, err := f.journal.Load(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			final := saved
			switch {
			case !saved.Step.Terminal():
				if err := f.engine(30*time.Second).Run(ctx, saved); err != nil {
					t.Fatalf("resumed with the clock right: %v\n%s", err, renew.DiagnosticLog(saved))
				}
			default:
				if saved.NeedsAttention() {
					if err := f.engine(30*time.Second).Abandon(ctx, saved); err != nil {
						t.Fatalf("Annulla with the clock right: %v", err)
					}
				}
				if final, err = f.engine(30*time.Second).Begin(ctx, f.info, f.old); err != nil {
					t.Fatalf("renewing again with the clock right: %v", err)
				}
			}
			_, now := f.cert(t, "cns")
			if !bytes.Equal(now.DER, final.NewCert) || now.ID != final.NewKey {
				t.Fatal("the card's CNS certificate is not the renewal's")
			}
			if n := f.privateKeys(); n != f.keys {
				t.Fatalf("I4: %d private keys, %d before:\n%s", n, f.keys, f.objects())
			}
			if saved.NewCert != nil && !bytes.Equal(saved.NewCert, final.NewCert) {
				if revoked, _ := f.caState(saved.NewCert); !revoked {
					t.Fatal("I2: the first certificate, not on the card, is still valid at the CA")
				}
			}
			if _, counted := f.caState(final.NewCert); counted != 1 {
				t.Fatalf("I2: %d renewals counted, want 1", counted)
			}
			if b := balanceOf(t, f.world); b != f.balance-500 {
				t.Fatalf("I3: balance %d, want %d", b, f.balance-500)
			}
		})
	}
}

// TestRollbackFailsTwice (I1, I2, I4): the write fails (final), ponte-ca goes down at that moment and the
// card refuses the rollback's delete too: neither the CA nor the card was put right. Annulla il rinnovo,
// with the CA back and a card that deletes, must do both: the new key gone, the old certificate on the
// card, the issued certificate revoked and not counted; then a new renewal is done.
func TestRollbackFailsTwice(t *testing.T) {
	f := newFreeWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := f.freeEngine()
	e.Card = failingDelete{writeFailsCADown{Card: e.Card, stop: f.bed.StopCA}}
	r, err := e.Begin(ctx, f.info, f.old)
	if r == nil || r.NewCert == nil || !r.RollbackFailed || r.Step != renew.StepFailed {
		t.Fatalf("want a failed renewal whose rollback failed: %v", err)
	}
	if err := f.bed.StartCA(); err != nil {
		t.Fatal(err)
	}
	saved, err := f.journal.Load(r.ID)
	if err != nil || !saved.NeedsAttention() {
		t.Fatalf("the card list does not show the renewal to clean: %v", err)
	}
	if err := f.freeEngine().Abandon(ctx, saved); err != nil {
		t.Fatalf("Annulla: %v\n%s", err, renew.DiagnosticLog(saved))
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("I4: %d private keys after Annulla, %d before:\n%s", n, f.keys, f.objects())
	}
	if _, now := f.cert(t, "cns"); !bytes.Equal(now.DER, f.old.DER) {
		t.Fatal("I1: after Annulla the card's CNS certificate is not the old one")
	}
	if revoked, counted := f.caState(r.NewCert); !revoked || counted != 0 {
		t.Fatalf("I2: after Annulla the issued certificate revoked=%v, %d renewals counted", revoked, counted)
	}
	if again, err := f.freeEngine().Begin(ctx, f.info, f.old); err != nil || again.Step != renew.StepDone {
		t.Fatalf("renewing again after Annulla: %v", err)
	}
}
