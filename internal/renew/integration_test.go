package renew_test

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// world is a real renewal setting: ponte-ca on loopback, a SoftHSM TS-CNS, a real ponte-host child.
type world struct {
	bed     *testbed.Bed
	host    *hostcard.Spawned
	card    *hostcard.Card
	profile *renew.Profile
	journal renew.Journal
	env     []string // the bed's environment, given to every host and tool explicitly (parallel worlds)
}

func newWorld(t testing.TB, choice testbed.Choice, o testbed.Options) *world {
	t.Helper()
	testenv.Tool(t, "softhsm2-util")
	hostBin := testenv.Build(t, "host", "ponte-host")
	t.Setenv("SOFTHSM2_CONF", "")
	// A family is told by the ATR, so a bed of one needs the PC/SC card too; otherwise PKCS#11 only.
	o.Dir, o.NoPCSC, o.Profiles = t.TempDir(), o.Family == "", []testbed.Choice{choice}
	bed, err := testbed.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bed.Close)
	for _, kv := range bed.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	w := &world{bed: bed, env: bed.Env}
	w.start(t, hostBin)
	data, err := os.ReadFile(filepath.Join(bed.ProfilesDir, choice.Server+"-"+choice.Mode+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if w.profile, err = renew.ParseProfile(data); err != nil {
		t.Fatal(err)
	}
	return w
}

// start runs (or restarts) ponte-host and logs in once.
func (w *world) start(t testing.TB, hostBin string) {
	t.Helper()
	w.host, w.card = w.connect(t, hostBin)
	w.journal = renew.HostJournal{Host: w.host, Ctx: context.Background()}
}

// connect runs a ponte-host child on the bed (its token, its journal folder), finds the card and logs in
// once. Two of them at once are two host processes of one user: two browser profiles, a tab and `ponte
// renew`.
func (w *world) connect(t testing.TB, hostBin string) (*hostcard.Spawned, *hostcard.Card) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := hostcard.SpawnEnv(ctx, hostBin, "renew-test", w.env, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	id := w.bed.Card.Serial // a token reached only through PKCS#11 is named by its serial
	if w.bed.Slot != nil {
		id = w.bed.Card.Holder.CardID // a card in a reader by its EF_IDCarta
	}
	card := hostcard.New(h, id)
	if w.bed.Slot != nil { // pcscd notices the virtual card at its next poll of the reader: until then
		// the host sees the token alone, with no ATR and so no family
		for i := 0; i < 100; i++ {
			if info, err := card.Info(ctx); err == nil && info.ATR != "" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if _, err := card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
		t.Fatal(err)
	}
	return h, card
}

func (w *world) engine() *renew.Engine {
	return &renew.Engine{Card: w.card, Profile: w.profile, Journal: w.journal,
		CA: &cmp.Client{URL: w.profile.URL, Anchors: w.profile.AnchorPool(), MaxWait: 30 * time.Second}}
}

func (w *world) cert(t testing.TB, role string) (*protocol.Card, protocol.Certificate) {
	t.Helper()
	info, err := w.card.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found []protocol.Certificate
	for _, c := range info.Certificates {
		if c.Role == role {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s certificates on the card, want 1: %+v", len(found), role, found)
	}
	return info, found[0]
}

// verifyWithOpenSSL checks the certificate against the CA with an independent verifier.
func verifyWithOpenSSL(t *testing.T, w *world, der []byte) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	p := filepath.Join(dir, "new.der")
	os.WriteFile(p, der, 0o644)
	pemOut, err := exec.Command(openssl, "x509", "-inform", "DER", "-in", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "new.pem"), pemOut, 0o644)
	out, err := exec.Command(openssl, "verify", "-CAfile", filepath.Join(w.bed.Dir, "ca", "ca.pem"), filepath.Join(dir, "new.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
}

func TestRenewWithNewKey(t *testing.T) {
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{})
	info, old := w.cert(t, "cns")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := w.engine().Begin(ctx, info, old)
	if err != nil {
		t.Fatalf("renewal: %v (record %+v)", err, r)
	}
	if r.Step != renew.StepDone || r.NewKey == old.ID {
		t.Fatalf("renewal ended at %s with key %s (old %s)", r.Step, r.NewKey, old.ID)
	}
	_, now := w.cert(t, "cns")
	oldX, _ := x509.ParseCertificate(old.DER)
	newX, _ := x509.ParseCertificate(now.DER)
	if now.ID != r.NewKey || !newX.NotAfter.After(oldX.NotAfter) || newX.Subject.String() != oldX.Subject.String() {
		t.Fatalf("card holds %s to %s, want the new key %s past %s", now.ID, newX.NotAfter, r.NewKey, oldX.NotAfter)
	}
	verifyWithOpenSSL(t, w, now.DER)
	// The old key is gone with its certificate; the journal says done.
	if err := w.card.DeleteObjects(ctx, protocol.DeleteObjects{Key: old.ID, PrivateKey: true}); err == nil {
		t.Fatal("the old private key is still on the card")
	}
	saved, err := w.journal.Load(r.ID)
	if err != nil || saved.Step != renew.StepDone {
		t.Fatalf("journal: %+v %v", saved, err)
	}
	// A second renewal of the new certificate is not offered yet: outside the window.
	if reason := renew.Eligible(w.profile, info, now, time.Now()); reason == nil || reason.Code != "too-early" {
		t.Fatalf("renewed certificate still eligible: %+v", reason)
	}
}

func TestRenewSameKeyExtension(t *testing.T) {
	w := newWorld(t, testbed.Choice{Server: "extend", Mode: "extend"}, testbed.Options{})
	info, old := w.cert(t, "cns")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := w.engine().Begin(ctx, info, old)
	if err != nil {
		t.Fatalf("extension: %v", err)
	}
	_, now := w.cert(t, "cns")
	if now.ID != old.ID || string(now.DER) == string(old.DER) {
		t.Fatalf("extension: key %s (old %s), certificate changed %v", now.ID, old.ID, string(now.DER) != string(old.DER))
	}
	newX, _ := x509.ParseCertificate(now.DER)
	if newX.NotAfter.Month() != time.December || newX.NotAfter.Day() != 31 {
		t.Fatalf("extended to %s, want 31 December (extend-to-date profile)", newX.NotAfter)
	}
	verifyWithOpenSSL(t, w, now.DER)
	_ = r
}

// A refusal is shown with the CA's reason, and the card is as it was: no orphaned new key.
func TestRefusedRenewalLeavesTheCardAsItWas(t *testing.T) {
	// The paid profile without an account in the CA's books: the CA refuses the request.
	w := newWorld(t, testbed.Choice{Server: "cns-paid", Mode: "rekey"}, testbed.Options{})
	info, old := w.cert(t, "cns")
	e := w.engine()
	e.Account = &renew.Account{ID: "nobody", Password: protocol.Secret("Pw-9f83x-never-logged")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, info, old)
	var f *renew.Failure
	if !errors.As(err, &f) || f.Retriable || r.Step != renew.StepFailed {
		t.Fatalf("refusal: %v (step %s)", err, r.Step)
	}
	if !strings.Contains(f.IT, "Richiesta non inoltrata") {
		t.Fatalf("refusal text %q", f.IT)
	}
	after, _ := w.card.Info(ctx)
	if len(after.Certificates) != len(info.Certificates) {
		t.Fatalf("certificates changed: %d → %d", len(info.Certificates), len(after.Certificates))
	}
	// The rolled-back key is gone: generate-key with the renewal's label finds no pair to return and makes
	// a fresh one (with another CKA_ID), which the test removes again.
	id, _, err := w.card.GenerateKey(ctx, 2048, r.KeyLabel, false)
	if err != nil || r.NewKey == "" || id == r.NewKey {
		t.Fatalf("the renewal's new key %q is still on the card (%v)", r.NewKey, err)
	}
	if err := w.card.DeleteObjects(ctx, protocol.DeleteObjects{Key: id, PrivateKey: true, PublicKey: true}); err != nil {
		t.Fatal(err)
	}
	if len(r.Log) == 0 || !strings.Contains(renew.DiagnosticLog(r), "rollback") {
		t.Fatalf("log does not record the rollback:\n%s", renew.DiagnosticLog(r))
	}
	if strings.Contains(renew.DiagnosticLog(r), testbed.PIN) || strings.Contains(renew.DiagnosticLog(r), "Pw-9f83x") {
		t.Fatal("the diagnostic log contains a secret")
	}
}
