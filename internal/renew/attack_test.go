package renew_test

// Attacks on the client's renewal in orders the fault matrix does not make: two tabs (two engines over
// one journal) acting on the same renewal with records loaded at different times. Each checks the card
// with pkcs11-tool and the CA's books (checkDone), never the engine's messages.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ponte-it/ponte/internal/hostcard"
	"net/http"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// staleAfterLostAnswer leaves a renewal at StepRequest (the kur's answer lost: the CA issued and charged)
// and returns the record as tab 1 loaded it; tab 2 then loads the same record and finishes the renewal.
func staleAfterLostAnswer(t *testing.T, f *faultWorld) (stale, done *renew.Renewal) {
	t.Helper()
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	id := f.begin(e)
	stale, err := f.journal.Load(id) // tab 1 shows RIPRENDI, the holder is typing the PIN
	if err != nil {
		t.Fatal(err)
	}
	done, err = f.journal.Load(id) // tab 2 resumes and finishes
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.engine(30*time.Second).Run(ctx, done); err != nil {
		t.Fatalf("tab 2: %v\n%s", err, renew.DiagnosticLog(done))
	}
	f.checkDone(done)
	return stale, done
}

// TestStaleResumeAfterAnotherTabFinished: tab 1 resumes with the record it loaded before tab 2 finished
// the same renewal (old key already removed). Whatever tab 1 answers, the card must keep the renewed
// certificate with its key, and the holder pays once (I1, I3).
func TestStaleResumeAfterAnotherTabFinished(t *testing.T) {
	f := newFaultWorld(t, 0)
	stale, done := staleAfterLostAnswer(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := f.engine(30*time.Second).Run(ctx, stale)
	t.Logf("tab 1 resuming a finished renewal: %v (step %s)\n%s", err, stale.Step, renew.DiagnosticLog(stale))
	f.checkDone(done)
	f.checkJournalDone(done.ID)
}

// TestStaleAbandonAfterAnotherTabFinished: tab 1 presses ANNULLA IL RINNOVO on the record it loaded
// before tab 2 finished the renewal. A renewal past its confirmation cannot be cancelled: the card keeps
// the renewed certificate and key.
func TestStaleAbandonAfterAnotherTabFinished(t *testing.T) {
	f := newFaultWorld(t, 0)
	stale, done := staleAfterLostAnswer(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := f.engine(30*time.Second).Abandon(ctx, stale)
	t.Logf("tab 1 abandoning a finished renewal: %v (step %s)\n%s", err, stale.Step, renew.DiagnosticLog(stale))
	f.checkDone(done)
	f.checkJournalDone(done.ID)
}

// raceCard runs another tab's whole resume the first time this tab asks for a signer: the two tabs read
// the journal at the same moment, and the other one wins every step.
type raceCard struct {
	renew.Card
	other func()
	once  sync.Once
}

func (c *raceCard) Signer(ctx context.Context, key string, pub crypto.PublicKey, pin hostcard.PINFunc) crypto.Signer {
	c.once.Do(c.other)
	return c.Card.Signer(ctx, key, pub, pin)
}

// racingTabs stops a renewal by losing the answer to body, then gives tab 1's engine and record: the first
// time tab 1 asks for a signer, tab 2 loads the same record and presses RIPRENDI: refused by tab 1's lease.
func (f *faultWorld) racingTabs(ctx context.Context, body cmp.BodyType) (id string, r *renew.Renewal, tab1 *renew.Engine, done **renew.Renewal) {
	f.t.Helper()
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: body, at: func() {}}}
	id = f.begin(e)
	done = new(*renew.Renewal)
	tab1 = f.engine(30 * time.Second)
	tab1.Card = &raceCard{Card: tab1.Card, other: func() {
		var err error
		if *done, err = f.journal.Load(id); err != nil {
			f.t.Fatal(err)
		}
		// Tab 1 holds the renewal's lease (host/store): tab 2 is refused and does nothing. Without the lease
		// it took the renewal over and finished it while tab 1 was mid-step.
		if err := f.engine(30*time.Second).Run(ctx, *done); renew.CodeOf(err) != string(protocol.ErrRenewalBusy) {
			f.t.Errorf("tab 2 while tab 1 runs: %v, want %s\n%s", err, protocol.ErrRenewalBusy, renew.DiagnosticLog(*done))
		}
	}}
	r, err := f.journal.Load(id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id, r, tab1, done
}

// TestConcurrentResumeOfOneRenewal: two tabs resume the same renewal at once (both past the journal
// check); the second finishes first, so the first's request finds the old key gone. Its rollback must not
// remove the key that now carries the renewed certificate (I1), nor charge again (I3).
func TestConcurrentResumeOfOneRenewal(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, r, tab1, _ := f.racingTabs(ctx, cmp.BodyKUR)
	if err := tab1.Run(ctx, r); err != nil {
		t.Fatalf("tab 1, holding the renewal while tab 2 was refused: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkDone(r)
	f.checkJournalDone(id)
}

// checkJournalDone: the journal still says the renewal is done (the losing tab did not overwrite it with a
// failure the card list would show).
func (f *faultWorld) checkJournalDone(id string) {
	f.t.Helper()
	saved, err := f.journal.Load(id)
	if err != nil || saved.Step != renew.StepDone {
		f.t.Fatalf("journal after both tabs: %v %v", saved.Step, err)
	}
}

// TestAbandonKilledAfterTheCAWasTold: Annulla rejects the issued certificate at the CA, the pkiConf is lost
// and the host dies before the card is cleaned; a second Annulla on a new host must finish: old certificate
// and key on the card, no new key, the charge refunded, nothing counted (I1–I4).
func TestAbandonKilledAfterTheCAWasTold(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepWrite, at: f.kill}
	id := f.begin(e)
	f.start(t, f.hostBin)
	r, err := f.journal.Load(id)
	if err != nil || r.NewCert == nil {
		t.Fatalf("record after issuance: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first := f.engine(30 * time.Second)
	first.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyCertConf, at: f.kill}}
	if err := first.Abandon(ctx, r); err == nil {
		t.Fatal("the first Annulla succeeded with its answer lost and the host killed")
	}
	f.start(t, f.hostBin)
	if r, err = f.journal.Load(id); err != nil {
		t.Fatal(err)
	}
	f.abandonLeavesTheOldCard(t, ctx, r, "second Annulla")
}

// checkReleased: the CA revoked newCert, counts no renewal of the old certificate, and refunded the charge.
func (f *faultWorld) checkReleased(newCert []byte) {
	f.t.Helper()
	oldX, _ := x509.ParseCertificate(f.old.DER)
	newX, err := x509.ParseCertificate(newCert)
	if err != nil {
		f.t.Fatal(err)
	}
	store := f.bed.CA.Store
	rec, err := store.Cert(context.Background(), ca.SerialHex(newX.SerialNumber))
	if err != nil || rec.RevokedAt.IsZero() {
		f.t.Fatalf("the abandoned certificate is not revoked at the CA: %v", err)
	}
	if n, err := store.ConfirmedRenewals(context.Background(), ca.SerialHex(oldX.SerialNumber)); err != nil || n != 0 {
		f.t.Fatalf("%d renewals counted (%v), want 0", n, err)
	}
	if b := balanceOf(f.t, f.world); b != f.balance {
		f.t.Fatalf("balance %d after Annulla, %d before: not refunded", b, f.balance)
	}
}

// raceList runs another tab's whole Begin right after this tab's check for an open renewal read the
// journal: both tabs pressed RINNOVA at once, and both saw no renewal under way.
type raceList struct {
	renew.Journal
	calls int
	other func()
}

func (j *raceList) List() ([]*renew.Renewal, error) {
	all, err := j.Journal.List()
	if j.calls++; j.calls == 2 { // the first List is Prune's, the second the check
		j.other()
	}
	return all, err
}

// TestTwoBeginsOfOneCertificate: two tabs press RINNOVA on the same certificate at once; the second runs
// to the end between the first's check and its first record. The card ends with one CNS certificate,
// valid, with its key, no extra key; one charge (I1, I3, I4).
func TestTwoBeginsOfOneCertificate(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var second *renew.Renewal
	first := f.engine(30 * time.Second)
	first.Journal = &raceList{Journal: first.Journal, other: func() {
		var err error
		if second, err = f.engine(30*time.Second).Begin(ctx, f.info, f.old); err != nil {
			t.Errorf("second tab: %v", err)
		}
	}}
	r, err := first.Begin(ctx, f.info, f.old)
	if r != nil {
		t.Logf("first tab: %v\n%s", err, renew.DiagnosticLog(r))
	}
	if second == nil {
		t.Fatal("the second tab did not run")
	}
	_, now := f.cert(t, "cns")
	if !bytes.Equal(now.DER, second.NewCert) {
		t.Fatalf("the card's CNS certificate is not the finished renewal's")
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys, %d before:\n%s", n, f.keys, f.objects())
	}
	if b := balanceOf(t, f.world); b != f.balance-500 {
		t.Fatalf("balance %d, want %d", b, f.balance-500)
	}
}

// TestNoSecretAtRest: after a paid renewal whose answer was lost and which was resumed (the account typed
// twice), no file under the testbed (the host's journal, ponte-ca's database and its WAL; SoftHSM's token
// aside) nor the diagnostic log holds the PIN, the PUK or the account password.
func TestNoSecretAtRest(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	r := f.recover(f.begin(e))
	f.checkDone(r)
	secrets := map[string]string{"PIN": testbed.PIN, "PUK": testbed.PUK, "account password": f.bed.Password}
	texts := map[string]string{"diagnostic log": renew.DiagnosticLog(r)}
	err := filepath.WalkDir(f.bed.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, string(filepath.Separator)+"softhsm"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(path)
		texts[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range texts {
		for what, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("the %s is in %s", what, where)
			}
		}
	}
	t.Logf("%d files and logs searched", len(texts))
}

// TestLabelDeleteSparesARenewedKey: the label path of the rollback (a keygen whose answer was lost) names
// the key by "ponte-<renewal id>"; once that renewal is done the key so labelled carries the renewed
// certificate. Deleting by that label — a stale record's rollback, or any caller of delete-objects — must be
// refused, leaving the certificate with its key (I1).
func TestLabelDeleteSparesARenewedKey(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := f.engine(30*time.Second).Begin(ctx, f.info, f.old)
	if err != nil {
		t.Fatal(err)
	}
	f.checkDone(r)
	err = f.card.DeleteObjects(ctx, protocol.DeleteObjects{Label: r.KeyLabel, PrivateKey: true, PublicKey: true})
	t.Logf("delete by label %s: %v", r.KeyLabel, err)
	f.checkDone(r)
}

// TestTwoFaultsInOneRenewal: an answer lost, then the host killed during the resume; the second resume
// finishes with one certificate, one charge, no extra key (I1–I5).
func TestTwoFaultsInOneRenewal(t *testing.T) {
	for _, c := range []struct {
		lose cmp.BodyType
		kill Step
	}{{cmp.BodyKUR, renew.StepWrite}, {cmp.BodyKUR, renew.StepConfirm}, {cmp.BodyCertConf, renew.StepCleanup}} {
		t.Run(fmt.Sprintf("%v-%s", c.lose, c.kill), func(t *testing.T) {
			f := newFaultWorld(t, 0)
			e := f.engine(30 * time.Second)
			e.CA.HTTP = &http.Client{Transport: &lossyCA{body: c.lose, at: func() {}}}
			id := f.begin(e)
			r, err := f.journal.Load(id)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			second := f.engine(30 * time.Second)
			second.Journal = &hookJournal{Journal: second.Journal, step: c.kill, at: f.kill}
			if err := second.Run(ctx, r); err == nil {
				t.Fatalf("the resume was not interrupted (step %s)", r.Step)
			}
			f.checkDone(f.recover(id))
		})
	}
}

// TestRollbackFailsThenCardRemovedThenAbandon: the test signature fails (final), the card refuses the
// rollback's delete, and the card is pulled before Annulla; Annulla then fails retriably and changes
// nothing; with the card back it cleans the card. The CA was told once, at the rollback (I1–I4).
func TestRollbackFailsThenCardRemovedThenAbandon(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Card = failingDelete{&badTestSignature{Card: e.Card}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	if r == nil || !r.RollbackFailed {
		t.Fatalf("want a failed rollback: %v", err)
	}
	dir := f.tokenDir()
	if err := os.Rename(dir, dir+".out"); err != nil {
		t.Fatal(err)
	}
	var fl *renew.Failure
	if err := f.engine(30*time.Second).Abandon(ctx, r); !errors.As(err, &fl) || !fl.Retriable {
		t.Fatalf("Annulla without the card: %v", err)
	}
	if saved, err := f.journal.Load(r.ID); err != nil || !saved.NeedsAttention() {
		t.Fatalf("after Annulla without the card the record is no longer shown: %v", err)
	}
	if err := os.Rename(dir+".out", dir); err != nil {
		t.Fatal(err)
	}
	f.host.Close()
	f.start(t, f.hostBin)
	if r, err = f.journal.Load(r.ID); err != nil {
		t.Fatal(err)
	}
	f.abandonLeavesTheOldCard(t, ctx, r, "Annulla with the card back")
}

// TestAbandonRacingAResume: tab 1 presses ANNULLA on a renewal whose certConf answer was lost (the CA
// confirmed it) while tab 2 resumes it. Before the lease tab 2 finished first and tab 1 had to spare its
// result; now tab 1 holds the renewal, tab 2 is refused, and tab 1's Annulla leaves the card as it was,
// nothing counted at the CA and the charge refunded (I1–I4).
func TestAbandonRacingAResume(t *testing.T) {
	f := newFaultWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, r, tab1, _ := f.racingTabs(ctx, cmp.BodyCertConf)
	if err := tab1.Abandon(ctx, r); err != nil {
		t.Fatalf("tab 1 abandoning, holding the renewal while tab 2 was refused: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkUnchanged()
	saved, err := f.journal.Load(id)
	if err != nil || saved.Step != renew.StepFailed || saved.Failure == nil || saved.Failure.Code != renew.CodeAbandoned {
		t.Fatalf("the journal after Annulla: %+v (%v)", saved, err)
	}
}

// abandonLeavesTheOldCard runs Annulla on r and checks the real state after it (I1, I2, I4): as many
// private keys as before the renewal, the old CNS certificate on the card, the new one released at the CA.
func (f *faultWorld) abandonLeavesTheOldCard(t *testing.T, ctx context.Context, r *renew.Renewal, what string) {
	t.Helper()
	if err := f.engine(30*time.Second).Abandon(ctx, r); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, renew.DiagnosticLog(r))
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys after Annulla, %d before:\n%s", n, f.keys, f.objects())
	}
	if _, now := f.cert(t, "cns"); !bytes.Equal(now.DER, f.old.DER) {
		t.Fatal("after Annulla the card's CNS certificate is not the old one")
	}
	f.checkReleased(r.NewCert)
}
