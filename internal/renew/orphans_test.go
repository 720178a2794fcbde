package renew_test

// Issue 14's client-side holes, each on the real host, SoftHSM token and ponte-ca, judged from the token's
// objects (pkcs11-tool), the CA's books and the journal's bytes on disk.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// keygenThenFail: the card makes the key, then the answer is a final error (a card that reports a failure
// after generating, or a host that cannot read the new public key).
type keygenThenFail struct{ renew.Card }

func (c keygenThenFail) GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error) {
	if _, _, err := c.Card.GenerateKey(ctx, bits, label, alwaysAuth); err != nil {
		return "", nil, err
	}
	return "", nil, protocol.Errorf(protocol.ErrInternal, "test: the key was made but its answer is unusable")
}

// TestKeygenFailureLeavesNoKey (I4): a final failure during key generation removes the key the card made,
// found by the renewal's label although its CKA_ID never reached the journal.
func TestKeygenFailureLeavesNoKey(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Card = keygenThenFail{e.Card}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Retriable || r.Step != renew.StepFailed || r.RollbackFailed {
		t.Fatalf("keygen failure: %v, step %s", err, r.Step)
	}
	list := f.objects()
	if strings.Contains(list, r.KeyLabel) || strings.Count(list, "Private Key Object") != f.keys {
		t.Fatalf("the key labelled %s is left on the card:\n%s", r.KeyLabel, list)
	}
	f.checkCA(0, f.balance)
}

// TestPaidSavedNotSentAsksTheAccount: the paid request's transaction is in the journal but the request
// never reached the CA. Resumed without the account it is not sent (the CA would refuse it as unpaid,
// "account o password errati", and the renewal would be rolled back): it stops, retriable, with its new
// key, asking the account; typed again, the renewal completes with one charge.
func TestPaidSavedNotSentAsksTheAccount(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &dropCA{body: cmp.BodyKUR}}
	id := f.begin(e)
	saved := journalFile(t, f.world, id)
	if saved["transaction"] == nil || saved["step"] != string(renew.StepRequest) {
		t.Fatalf("journal on disk: step %v, transaction %v", saved["step"], saved["transaction"])
	}
	r, e := f.reloadWithoutAccount(id)
	if !r.NeedsAccount(f.profile) {
		t.Fatal("a paid request with no answer does not say it needs the account")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := e.Run(ctx, r)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Code != "account-required" || !fl.Retriable || r.Step != renew.StepRequest {
		t.Fatalf("resumed without the account: %v, step %s", err, r.Step)
	}
	if n := f.privateKeys(); n != f.keys+1 {
		t.Fatalf("%d private keys, want the new one kept (%d)", n, f.keys+1)
	}
	f.checkCA(0, f.balance) // nothing reached the CA
	if err := f.engine(30*time.Second).Run(ctx, r); err != nil {
		t.Fatalf("with the account: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkDone(r)
}

// journalFile reads a record as ponte-host stored it on disk.
func journalFile(t *testing.T, w *world, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.bed.Dir, "state", "ponte", "renewals", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRollbackFailureThenAbandon: the test signature fails (final) and the card refuses to delete the new
// key: the record says the rollback failed (on disk), the old certificate is still usable; Annulla il
// rinnovo later, with a card that deletes, cleans it and closes the record.
func TestRollbackFailureThenAbandon(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Card = failingDelete{&badTestSignature{Card: e.Card}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Retriable || r.Step != renew.StepFailed || !r.RollbackFailed {
		t.Fatalf("failed rollback: %v, step %s, rollbackFailed %v", err, r.Step, r.RollbackFailed)
	}
	if saved := journalFile(t, f.world, r.ID); saved["rollbackFailed"] != true {
		t.Fatalf("the journal on disk does not say the rollback failed: %v", saved["rollbackFailed"])
	}
	if !r.NeedsAttention() {
		t.Fatal("a renewal whose rollback failed is not kept for the card list")
	}
	// The old certificate and key are untouched (I1); the new key and certificate are left beside them.
	if list := f.objects(); !strings.Contains(list, "ID:         "+f.old.ID) || !strings.Contains(list, "ID:         "+r.NewKey) || f.privateKeys() != f.keys+1 {
		t.Fatalf("want the old key %s and the new %s on the card:\n%s", f.old.ID, r.NewKey, list)
	}
	if err := f.engine(30*time.Second).Abandon(ctx, r); err != nil {
		t.Fatalf("Annulla: %v\n%s", err, renew.DiagnosticLog(r))
	}
	if r.Step != renew.StepFailed || r.RollbackFailed || r.Failure.Code != "abandoned" {
		t.Fatalf("after Annulla: step %s, rollbackFailed %v, %+v", r.Step, r.RollbackFailed, r.Failure)
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys after Annulla, %d before", n, f.keys)
	}
	if _, now := f.cert(t, "cns"); !bytes.Equal(now.DER, f.old.DER) {
		t.Fatalf("after Annulla the card's CNS certificate is not the old one")
	}
	if saved := journalFile(t, f.world, r.ID); saved["rollbackFailed"] != nil || saved["step"] != "failed" {
		t.Fatalf("journal on disk after Annulla: %v %v", saved["step"], saved["rollbackFailed"])
	}
}

// TestWriteProtectedTokenNotOffered: a token flagged CKF_WRITE_PROTECTED (the lockshim module over
// SoftHSM) is not offered RINNOVA, with the reason in words, and Begin refuses before anything happens.
func TestWriteProtectedTokenNotOffered(t *testing.T) {
	shim := testenv.PKCS11Module(t, "lockshim")
	t.Setenv("LOCKSHIM_WRITE_PROTECTED", "1")
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{Shim: shim})
	info, old := w.cert(t, "cns")
	if info.Token == nil || !info.Token.WriteProtected {
		t.Fatalf("the host does not report the token write-protected: %+v", info.Token)
	}
	reason := renew.Eligible(w.profile, info, old, time.Now())
	if reason == nil || reason.Code != "read-only" || !strings.Contains(extension.Catalog("it").Say(reason.Words()...), "non essere scritta") || !strings.Contains(extension.Catalog("en").Say(reason.Words()...), "cannot be written") {
		t.Fatalf("reason: %+v", reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := w.engine().Begin(ctx, info, old)
	var fl *renew.Failure
	if r != nil || !errors.As(err, &fl) || fl.Code != "not-eligible-read-only" {
		t.Fatalf("Begin on a write-protected token: %v %+v", err, r)
	}
	if all, _ := w.journal.List(); len(all) != 0 {
		t.Fatalf("%d journal records for a refused renewal", len(all))
	}
}

// TestPruneKeepsOpenAndRecent: finished records beyond the newest KeepFinished and older than
// KeepFinishedDays are removed from disk; open ones and ones whose rollback failed stay.
func TestPruneKeepsOpenAndRecent(t *testing.T) {
	j := renew.FileJournal{Dir: t.TempDir()}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	old := now.Add(-renew.KeepFinishedDays - time.Hour)
	save := func(id string, step renew.Step, updated time.Time, rollbackFailed bool) {
		if err := j.Save(&renew.Renewal{ID: id, Step: step, Updated: updated, Started: updated, RollbackFailed: rollbackFailed}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < renew.KeepFinished+5; i++ {
		save("done"+string(rune('a'+i)), renew.StepDone, old.Add(time.Duration(i)*time.Minute), false)
	}
	save("recent", renew.StepFailed, now.Add(-time.Hour), false)
	save("open", renew.StepWaiting, old.Add(-time.Hour), false)
	save("dirty", renew.StepFailed, old.Add(-time.Hour), true)
	n, err := renew.Prune(j, now)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(j.Dir, "*.json"))
	// Kept: the KeepFinished newest finished ("recent" and the newest done ones), open, dirty.
	if n != 6 || len(files) != renew.KeepFinished+2 {
		t.Fatalf("pruned %d, %d files left", n, len(files))
	}
	for _, id := range []string{"recent", "open", "dirty", "done" + string(rune('a'+renew.KeepFinished+4))} {
		if _, err := os.Stat(filepath.Join(j.Dir, id+".json")); err != nil {
			t.Errorf("%s was pruned: %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(j.Dir, "donea.json")); err == nil {
		t.Error("the oldest finished record was kept")
	}
}

// TestEarlyLog: "Scarica log" for a failure before the first journal record.
func TestEarlyLog(t *testing.T) {
	// The log keeps codes (support reads them in any language), as the journal does.
	f := renew.NewFailure(renew.CodePUKRequired)
	log := renew.DiagnosticLog(renew.EarlyRecord("ponte-ca-cns", "8038000000000001", f, time.Now()), "ponte-wasm test")
	for _, want := range []string{"ponte-ca-cns", "8038000000000001", "errore / error: puk-required (", "before the first journal record", "ponte-wasm test"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestAlwaysAuthenticateKeyGetsThePIN: the signature key of the card (CKA_ALWAYS_AUTHENTICATE, as qualified
// signature keys are) signs a renewal's messages only with the PIN for its context-specific login: with
// renew.SamePIN the signature verifies under the certificate; without a PIN (the old renewal) the card
// refuses. The whole renewal of a signature certificate is TestFaultMatrix's signature cells.
func TestAlwaysAuthenticateKeyGetsThePIN(t *testing.T) {
	w := newWorld(t, testbed.Choice{Server: "signature", Mode: "rekey"}, testbed.Options{SigLeft: 30 * 24 * time.Hour})
	_, sig := w.cert(t, "signature")
	if !sig.AlwaysAuthenticate {
		t.Fatal("the card's signature key does not ask the PIN for each signature")
	}
	x, err := x509.ParseCertificate(sig.DER)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	digest := sha256.Sum256([]byte("kur"))
	if _, err := w.card.Signer(ctx, sig.ID, x.PublicKey, nil).Sign(nil, digest[:], crypto.SHA256); err == nil {
		t.Fatal("the always-authenticate key signed without a PIN")
	}
	s, err := w.card.Signer(ctx, sig.ID, x.PublicKey, renew.SamePIN(protocol.Secret(testbed.PIN))).Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("with the renewal's PIN: %v", err)
	}
	if err := rsa.VerifyPKCS1v15(x.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], s); err != nil {
		t.Fatalf("signature: %v", err)
	}
}

// TestAbandonWhileWaiting: Annulla on a paid request the CA has not decided yet changes nothing and says to
// try later; once the CA has issued, Annulla rejects the certificate (revoked, refunded), removes the new
// key and closes the record — the books and the card as before the renewal.
func TestAbandonWhileWaiting(t *testing.T) {
	f := newFaultWorld(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := f.engine(0).Begin(ctx, f.info, f.old)
	if !errors.Is(err, renew.ErrPending) {
		t.Fatalf("Begin: %v, want pending at the CA", err)
	}
	err = f.engine(0).Abandon(ctx, r)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Code != "abandon-waiting" || !fl.Retriable || r.Step.Terminal() {
		t.Fatalf("Annulla while the CA decides: %v, step %s", err, r.Step)
	}
	if n := f.privateKeys(); n != f.keys+1 {
		t.Fatalf("%d private keys: Annulla refused must change nothing (%d)", n, f.keys+1)
	}
	time.Sleep(5 * time.Second) // bounded: the CA's delay is 4 s
	if err := f.engine(0).Abandon(ctx, r); err != nil {
		t.Fatalf("Annulla after the CA issued: %v\n%s", err, renew.DiagnosticLog(r))
	}
	if r.Step != renew.StepFailed || r.Failure.Code != "abandoned" || r.NewCert == nil {
		t.Fatalf("after Annulla: step %s, %+v", r.Step, r.Failure)
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys after Annulla, %d before", n, f.keys)
	}
	txn, err := f.bed.CA.Store.Txn(ctx, hex.EncodeToString(r.Tx.TransactionID))
	if err != nil || txn.State != "rejected" {
		t.Fatalf("CA transaction after Annulla: %+v %v", txn, err)
	}
	if b := balanceOf(t, f.world); b != f.balance {
		t.Fatalf("balance %d after Annulla, %d before: not refunded", b, f.balance)
	}
}
