package renew_test

// Fault tests: "a renewal interrupted anywhere is resumed or rolled back safely: no orphaned key, no lost
// certificate, no double charge" (issue 5), on the real ponte-host child, SoftHSM card and ponte-ca of
// the testbed. Each case interrupts one renewal at one step — the host killed, the CA unreachable, the
// card removed, the whole process gone — then recovers the way the screens do (a new host, the PIN
// again, the journal record, Run) and checks the card with OpenSC's pkcs11-tool and the CA's books.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/host/store"
	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// faultWorld is a paid rekey renewal with explicit confirmation, so every step of the engine runs and a
// second charge would show in the account.
type faultWorld struct {
	*world
	t       *testing.T
	hostBin string
	old     protocol.Certificate
	info    *protocol.Card
	balance int64
	keys    int  // private keys on the card before the renewal
	puk     bool // the card's renewal needs the PUK: the engine gets PIN and PUK each time
}

func newFaultWorld(t *testing.T, delay int) *faultWorld {
	t.Helper()
	return newFaultWorldOn(t, delay, testbed.Options{})
}

// newFaultWorldOn is newFaultWorld on a bed with options o (e.g. a card family).
func newFaultWorldOn(t *testing.T, delay int, o testbed.Options) *faultWorld {
	t.Helper()
	w := newWorld(t, testbed.Choice{Server: "cns-paid", Mode: "rekey"}, o)
	w.profile.ImplicitConfirm = false // certConf: the confirm step runs
	p := *w.bed.CA.Profiles["cns-paid"]
	p.DelaySeconds = delay
	if err := w.bed.CA.AddProfile(&p); err != nil {
		t.Fatal(err)
	}
	f := &faultWorld{world: w, t: t, hostBin: testenv.Build(t, "host", "ponte-host")}
	f.info, f.old = w.cert(t, "cns")
	f.puk = f.info.Family.NeedsPUK
	f.balance = balanceOf(t, w)
	f.keys = f.privateKeys()
	return f
}

func balanceOf(t *testing.T, w *world) int64 {
	t.Helper()
	a, err := w.bed.CA.Store.Account(context.Background(), w.bed.Account)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// engine is a renewal engine on the current host, with the account typed again (it is never saved).
func (f *faultWorld) engine(maxWait time.Duration) *renew.Engine {
	e := f.world.engine()
	e.CA.MaxWait = maxWait
	e.Account = &renew.Account{ID: f.bed.Account, Password: protocol.Secret(f.bed.Password)}
	if f.puk {
		e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	}
	return e
}

// objects lists the token's objects with pkcs11-tool (an independent reader of the token).
func (f *faultWorld) objects() string { return listObjects(f.t, f.bed) }

// listObjects is pkcs11-tool's --list-objects of the bed's token, through the module ponte-host loads.
func listObjects(t testing.TB, bed *testbed.Bed) string {
	t.Helper()
	tool := testenv.Tool(t, "pkcs11-tool")
	module := ""
	for _, kv := range bed.Env {
		if v, ok := strings.CutPrefix(kv, "PONTE_PKCS11_MODULE="); ok {
			module = v
		}
	}
	cmd := exec.Command(tool, "--module", module, "--login", "--pin", testbed.PIN, "--list-objects")
	cmd.Env = append(os.Environ(), bed.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	return string(out)
}

func (f *faultWorld) privateKeys() int { return strings.Count(f.objects(), "Private Key Object") }

// kill ends the host abruptly (as a crash) and waits until it is gone. The killed engine's lease on its
// record is then let go by hand, as the two minutes of store.DefaultLease would (TestLeaseOfACrashedTabEnds
// waits for a real one): these tests are about what the next engine finds, not about the wait.
func (f *faultWorld) kill() {
	f.t.Helper()
	if err := f.host.Kill(); err != nil {
		f.t.Errorf("killing the host: %v", err)
	}
	f.host.Close()
	f.expireLeases(f.t)
}

// expireLeases dates every lease in the bed's journal folder (XDG_STATE_HOME) in the past.
func (w *world) expireLeases(t testing.TB) {
	t.Helper()
	s := store.Store{}
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "XDG_STATE_HOME="); ok {
			s.Dir = filepath.Join(v, "ponte", "renewals")
		}
	}
	records, ids, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var fields map[string]json.RawMessage
		if json.Unmarshal(records[id], &fields) != nil || fields["leaseUntil"] == nil {
			continue
		}
		fields["leaseUntil"] = json.RawMessage(`"2000-01-01T00:00:00Z"`)
		b, _ := json.Marshal(fields)
		if err := os.WriteFile(filepath.Join(s.Dir, id+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// recover starts a new host, logs in again, loads the record and runs it to the end.
func (f *faultWorld) recover(id string) *renew.Renewal {
	f.t.Helper()
	f.start(f.t, f.hostBin)
	r, err := f.journal.Load(id)
	if err != nil {
		f.t.Fatalf("the journal lost the renewal: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.engine(30*time.Second).Run(ctx, r); err != nil {
		f.t.Fatalf("resuming from %s: %v\n%s", r.Step, err, renew.DiagnosticLog(r))
	}
	return r
}

// checkDone: exactly one CNS certificate, on the new key, chaining to the CA; the old key gone; as many
// private keys as before; one certificate issued for the old one; one charge.
func (f *faultWorld) checkDone(r *renew.Renewal) {
	f.t.Helper()
	if r.Step != renew.StepDone {
		f.t.Fatalf("renewal ended at %s:\n%s", r.Step, renew.DiagnosticLog(r))
	}
	_, now := f.cert(f.t, "cns")
	if now.ID != r.NewKey || now.ID == f.old.ID || !bytes.Equal(now.DER, r.NewCert) {
		f.t.Fatalf("card's CNS certificate on key %s, renewal's new key %s (old %s)", now.ID, r.NewKey, f.old.ID)
	}
	verifyWithOpenSSL(f.t, f.world, now.DER)
	list := f.objects()
	if strings.Contains(list, "ID:         "+f.old.ID) {
		f.t.Fatalf("the old key %s is still on the card:\n%s", f.old.ID, list)
	}
	if n := strings.Count(list, "Private Key Object"); n != f.keys {
		f.t.Fatalf("%d private keys on the card, %d before the renewal:\n%s", n, f.keys, list)
	}
	f.checkCA(1, f.balance-500)
}

// checkCA: n certificates issued renewing the old one, and the account's balance.
func (f *faultWorld) checkCA(n int, balance int64) {
	f.t.Helper()
	oldX, err := x509.ParseCertificate(f.old.DER)
	if err != nil {
		f.t.Fatal(err)
	}
	got, err := f.bed.CA.Store.Renewals(context.Background(), ca.SerialHex(oldX.SerialNumber))
	if err != nil {
		f.t.Fatal(err)
	}
	if got != n {
		f.t.Fatalf("the CA issued %d certificates renewing the old one, want %d", got, n)
	}
	if b := balanceOf(f.t, f.world); b != balance {
		f.t.Fatalf("account balance %d, want %d (before the renewal %d)", b, balance, f.balance)
	}
}

// hookJournal calls at once when a record at step is first saved: "interrupted as the step begins".
type hookJournal struct {
	renew.Journal
	step Step
	at   func()
	once sync.Once
}

type Step = renew.Step

func (j *hookJournal) Save(r *renew.Renewal) error {
	err := j.Journal.Save(r)
	if err == nil && r.Step == j.step {
		j.once.Do(j.at)
	}
	return err
}

// hookCard calls after a card action succeeded: "interrupted right after the action".
type hookCard struct {
	renew.Card
	after string // "generate", "write" or "delete"
	at    func()
	once  sync.Once
}

func (c *hookCard) done(op string) {
	if op == c.after {
		c.once.Do(c.at)
	}
}

func (c *hookCard) GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error) {
	id, pub, err := c.Card.GenerateKey(ctx, bits, label, alwaysAuth)
	if err == nil {
		c.done("generate")
	}
	return id, pub, err
}

func (c *hookCard) WriteCertificate(ctx context.Context, key, label string, der []byte) error {
	err := c.Card.WriteCertificate(ctx, key, label, der)
	if err == nil {
		c.done("write")
	}
	return err
}

func (c *hookCard) DeleteObjects(ctx context.Context, d protocol.DeleteObjects) error {
	err := c.Card.DeleteObjects(ctx, d)
	if err == nil {
		c.done("delete")
	}
	return err
}

// lossyCA delivers the first message of one body type to the CA and loses its answer: the CA acted, the
// client never hears of it.
type lossyCA struct {
	body cmp.BodyType
	at   func()
	once sync.Once
}

func (l *lossyCA) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(req)
	m, perr := cmp.ParseMessage(body)
	if err != nil || perr != nil || m.Body.Type != l.body {
		return resp, err
	}
	lost := false
	l.once.Do(func() { lost = true })
	if !lost {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	l.at()
	return nil, fmt.Errorf("test: the answer to %v was lost", l.body)
}

// begin starts the renewal expecting it to stop (the fault) and returns its ID from the journal.
func (f *faultWorld) begin(e *renew.Engine) string {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	if err == nil {
		f.t.Fatalf("the renewal was not interrupted (step %s)", r.Step)
	}
	var fl *renew.Failure
	if errors.As(err, &fl) && !fl.Retriable {
		f.t.Fatalf("the interruption became a final failure: %v\n%s", err, renew.DiagnosticLog(r))
	}
	if r == nil {
		f.t.Fatalf("Begin: %v", err)
	}
	return r.ID
}

// TestHostKilledAtEveryStep kills ponte-host as each step's record is saved (before the action) and
// right after each action on the card or the CA; a new host, the PIN again and the journal record finish
// the renewal with one new key, one certificate issued, one charge.
func TestHostKilledAtEveryStep(t *testing.T) {
	cases := []struct {
		name  string
		delay int
		step  Step   // kill when this step is saved
		after string // or after this card action ("generate", "write", "delete")
		lose  cmp.BodyType
		wait  bool // MaxWait 0: the renewal saves StepWaiting
	}{
		{name: "keygen", step: renew.StepKeygen},
		{name: "keygen-after-key", after: "generate"},
		{name: "request", step: renew.StepRequest},
		{name: "request-answer-lost-issued", lose: cmp.BodyKUR},
		{name: "request-answer-lost-waiting", delay: 3, lose: cmp.BodyKUR},
		{name: "waiting", delay: 3, step: renew.StepWaiting, wait: true},
		{name: "write", step: renew.StepWrite},
		{name: "write-after-write", after: "write"},
		{name: "verify", step: renew.StepVerify},
		{name: "confirm", step: renew.StepConfirm},
		{name: "confirm-answer-lost", lose: cmp.BodyCertConf},
		{name: "cleanup", step: renew.StepCleanup},
		{name: "cleanup-after-delete", after: "delete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFaultWorld(t, c.delay)
			maxWait := 30 * time.Second
			if c.wait {
				maxWait = 0
			}
			e := f.engine(maxWait)
			switch {
			case c.step != "":
				e.Journal = &hookJournal{Journal: e.Journal, step: c.step, at: f.kill}
			case c.after != "":
				e.Card = &hookCard{Card: e.Card, after: c.after, at: f.kill}
			default:
				e.CA.HTTP = &http.Client{Transport: &lossyCA{body: c.lose, at: f.kill}}
			}
			id := f.begin(e)
			f.checkDone(f.recover(id))
		})
	}
}

// TestCAUnreachable stops the CA as the request, the wait and the confirmation begin: Run stops with a
// retriable failure and the card untouched beyond the new key; with the CA back, Run completes with one
// certificate and one charge.
func TestCAUnreachable(t *testing.T) {
	for _, c := range []struct {
		step  Step
		delay int
	}{{renew.StepRequest, 0}, {renew.StepWaiting, 3}, {renew.StepConfirm, 0}} {
		t.Run(string(c.step), func(t *testing.T) {
			f := newFaultWorld(t, c.delay)
			maxWait := 30 * time.Second
			if c.step == renew.StepWaiting {
				maxWait = 0
			}
			e := f.engine(maxWait)
			e.Journal = &hookJournal{Journal: e.Journal, step: c.step, at: f.bed.StopCA}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r, err := e.Begin(ctx, f.info, f.old)
			if errors.Is(err, renew.ErrPending) { // stopped as it was saved waiting: the next poll finds no CA
				err = f.engine(0).Run(ctx, r)
			}
			var fl *renew.Failure
			if !errors.As(err, &fl) || !fl.Retriable || r.Step != c.step {
				t.Fatalf("CA down at %s: %v, step %s", c.step, err, r.Step)
			}
			saved, err := f.journal.Load(r.ID)
			if err != nil || saved.Step != c.step || saved.Failure == nil || !saved.Failure.Retriable {
				t.Fatalf("journal after the failure: %+v %v", saved, err)
			}
			if err := f.bed.StartCA(); err != nil {
				t.Fatal(err)
			}
			if err := f.engine(30*time.Second).Run(ctx, saved); err != nil {
				t.Fatalf("after the CA came back: %v\n%s", err, renew.DiagnosticLog(saved))
			}
			f.checkDone(saved)
		})
	}
}

// tokenDir is the SoftHSM token's storage: moving it away is the nearest SoftHSM gets to pulling the card
// (as host/p11's TestCardRemovedMidOperation does).
func (f *faultWorld) tokenDir() string {
	f.t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(f.bed.Dir, "softhsm", "tokens", "*"))
	if len(dirs) != 1 {
		f.t.Fatalf("token directories %v, want one", dirs)
	}
	return dirs[0]
}

// TestCardRemoved pulls the card as the certificate is about to be written and as the old key is about
// to be removed: a retriable failure that keeps the journal at that step; after reinsertion (SoftHSM sees
// the token again when the module is loaded anew, so a new host) and the PIN, the renewal completes.
func TestCardRemoved(t *testing.T) {
	for _, step := range []Step{renew.StepKeygen, renew.StepRequest, renew.StepWrite, renew.StepVerify, renew.StepConfirm, renew.StepCleanup} {
		t.Run(string(step), func(t *testing.T) {
			f := newFaultWorld(t, 0)
			dir := f.tokenDir()
			e := f.engine(30 * time.Second)
			e.Journal = &hookJournal{Journal: e.Journal, step: step, at: func() {
				if err := os.Rename(dir, dir+".out"); err != nil {
					t.Error(err)
				}
			}}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r, err := e.Begin(ctx, f.info, f.old)
			var fl *renew.Failure
			if !errors.As(err, &fl) || !fl.Retriable || r.Step != step {
				t.Fatalf("card removed at %s: %v, step %s\n%s", step, err, r.Step, renew.DiagnosticLog(r))
			}
			t.Logf("card removed at %s: %s (%s)", step, fl.Code, fl.Text(extension.Catalog("it")))
			if err := os.Rename(dir+".out", dir); err != nil {
				t.Fatal(err)
			}
			f.host.Close()
			f.checkDone(f.recover(r.ID))
		})
	}
}

// TestLoginLostBetweenSteps: the PIN login ends between the keygen and the request (the host ends every
// login on a card-removed event; CI's matrix met one from pcscd re-detecting the vpcd card under load).
// The renewal stops retriable at its step, asking the PIN — no rollback: before the fix the request's
// "find key" was a final NO_SUCH_OBJECT, and the rollback that followed was refused as "the only usable
// key" for the new key, since a logged-out session sees no private key at all. Resumed with the PIN, it
// finishes: one certificate, one charge, no orphan.
func TestLoginLostBetweenSteps(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepRequest, at: func() {
		if err := f.card.Logout(context.Background()); err != nil {
			t.Error(err)
		}
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	var fl *renew.Failure
	if r == nil || !errors.As(err, &fl) || !fl.Retriable || fl.Code != string(protocol.ErrNotLoggedIn) || r.Step != renew.StepRequest || r.RollbackFailed {
		t.Fatalf("login lost before the request: %v\n%s", err, renew.DiagnosticLog(r))
	}
	// Nothing was undone: the new key waits on the card next to the old key and certificate.
	list := f.objects()
	if n := strings.Count(list, "Private Key Object"); n != f.keys+1 || !strings.Contains(list, r.NewKey) || !strings.Contains(list, f.old.ID) {
		t.Fatalf("%d private keys after the lost login, want %d with the new %s and the old %s:\n%s", n, f.keys+1, r.NewKey, f.old.ID, list)
	}
	f.host.Close()
	f.checkDone(f.recover(r.ID))
}

// TestRebootWhileWaiting: the request is waiting at the CA and everything stops (host closed, engine
// gone). A brand-new host and engine find the renewal in the journal alone and finish it.
func TestRebootWhileWaiting(t *testing.T) {
	f := newFaultWorld(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := f.engine(0).Begin(ctx, f.info, f.old); !errors.Is(err, renew.ErrPending) {
		t.Fatalf("Begin: %v, want pending at the CA", err)
	}
	f.host.Close()
	f.start(t, f.hostBin)
	all, err := f.journal.List()
	if err != nil {
		t.Fatal(err)
	}
	var open []*renew.Renewal
	for _, r := range all {
		if !r.Step.Terminal() {
			open = append(open, r)
		}
	}
	if len(open) != 1 || open[0].Step != renew.StepWaiting || open[0].Tx == nil {
		t.Fatalf("journal after the reboot: %d open renewals %+v", len(open), open)
	}
	r := open[0]
	e := f.engine(30 * time.Second)
	e.Account = nil // "Scarica" after a reboot does not ask the account again: the CA knows the request
	if err := e.Run(ctx, r); err != nil {
		t.Fatalf("after the reboot: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkDone(r)
}

// TestSecondBeginWhileOpen: while a renewal of a certificate is open (here waiting at the CA), starting
// another for the same certificate is refused with the way to resume the first — a second one would make
// a second new key and supersede the first request. The first then completes.
func TestSecondBeginWhileOpen(t *testing.T) {
	f := newFaultWorld(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := f.engine(0).Begin(ctx, f.info, f.old)
	if !errors.Is(err, renew.ErrPending) {
		t.Fatalf("Begin: %v, want pending at the CA", err)
	}
	_, err = f.engine(30*time.Second).Begin(ctx, f.info, f.old)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Code != "renewal-open" || fl.Detail != r.ID {
		t.Fatalf("second Begin: %v", err)
	}
	if err := f.engine(30*time.Second).Run(ctx, r); err != nil {
		t.Fatal(err)
	}
	f.checkDone(r)
}

// reloadWithoutAccount is a new host, the PIN and the journal record, with an engine to which the account
// was not typed again.
func (f *faultWorld) reloadWithoutAccount(id string) (*renew.Renewal, *renew.Engine) {
	f.t.Helper()
	f.start(f.t, f.hostBin)
	r, err := f.journal.Load(id)
	if err != nil {
		f.t.Fatal(err)
	}
	e := f.engine(30 * time.Second)
	e.Account = nil
	return r, e
}

// TestLostAnswerResumedAsksTheAccount: the paid request reached the CA (issued and charged) but its answer
// was lost with the whole process. No answer arrived, so the client cannot know the CA has the request:
// resumed without the account it asks for it (never stored) rather than send an unpaid request; with the
// account typed again it sends the same request in the same transaction and gets the certificate already
// paid for — not a second charge.
func TestLostAnswerResumedAsksTheAccount(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: f.kill}}
	id := f.begin(e)
	f.checkCA(1, f.balance-500) // the CA did issue and charge
	r, e := f.reloadWithoutAccount(id)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var fl *renew.Failure
	if err := e.Run(ctx, r); !errors.As(err, &fl) || fl.Code != "account-required" || r.Step != renew.StepRequest {
		t.Fatalf("resumed without the account: %v, step %s", err, r.Step)
	}
	if err := f.engine(30*time.Second).Run(ctx, r); err != nil {
		t.Fatalf("resuming: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkDone(r)
}

// TestPaidResumeAsksTheAccount: a paid renewal interrupted before its request left needs the account again
// (never saved). Resumed without it, it stops with a retriable "account-required" and keeps its new key;
// with the account typed again it completes with one key and one charge.
func TestPaidResumeAsksTheAccount(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepRequest, at: f.kill}
	id := f.begin(e)
	r, e := f.reloadWithoutAccount(id)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := e.Run(ctx, r)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Code != "account-required" || !fl.Retriable || r.Step != renew.StepRequest {
		t.Fatalf("resumed without the account: %v, step %s", err, r.Step)
	}
	if err := f.engine(30*time.Second).Run(ctx, r); err != nil {
		t.Fatalf("with the account: %v\n%s", err, renew.DiagnosticLog(r))
	}
	f.checkDone(r)
}

// failingDelete makes removing objects fail for good, as a card refusing the deletion would.
type failingDelete struct{ renew.Card }

func (failingDelete) DeleteObjects(context.Context, protocol.DeleteObjects) error {
	return protocol.Errorf(protocol.ErrInternal, "test: the card refuses to delete")
}

// TestCleanupFailureKeepsTheNewCertificate: once the new certificate is written, verified and confirmed it
// is the renewal's result. A final failure while removing the old objects must not roll it back (that
// would delete the new key and leave the card with no CNS certificate it can use): the renewal is done,
// the old key and certificate stay, and the log says so.
func TestCleanupFailureKeepsTheNewCertificate(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Card = failingDelete{e.Card}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	if err != nil || r.Step != renew.StepDone {
		t.Fatalf("renewal with a failed cleanup: %v, step %s\n%s", err, r.Step, renew.DiagnosticLog(r))
	}
	if !strings.Contains(renew.DiagnosticLog(r), "cleanup-failed") {
		t.Fatalf("the log does not say the old objects stayed:\n%s", renew.DiagnosticLog(r))
	}
	list := f.objects()
	if !strings.Contains(list, "ID:         "+r.NewKey) || !strings.Contains(list, "ID:         "+f.old.ID) {
		t.Fatalf("want both the new key %s and the old %s on the card:\n%s", r.NewKey, f.old.ID, list)
	}
	if n := strings.Count(list, "Private Key Object"); n != f.keys+1 {
		t.Fatalf("%d private keys, want %d (the old one kept)", n, f.keys+1)
	}
	f.checkCA(1, f.balance-500)
}

// badTestSignature spoils the new key's signatures once its certificate is on the card: the test signature
// of the verify step fails, a final failure after the CA issued.
type badTestSignature struct {
	renew.Card
	newKey string
}

func (c *badTestSignature) WriteCertificate(ctx context.Context, key, label string, der []byte) error {
	err := c.Card.WriteCertificate(ctx, key, label, der)
	if err == nil {
		c.newKey = key
	}
	return err
}

func (c *badTestSignature) Signer(ctx context.Context, key string, pub crypto.PublicKey, pin hostcard.PINFunc) crypto.Signer {
	s := c.Card.Signer(ctx, key, pub, pin)
	if key != c.newKey {
		return s
	}
	return spoiled{s}
}

type spoiled struct{ crypto.Signer }

func (s spoiled) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := s.Signer.Sign(rand, digest, opts)
	if len(sig) > 0 {
		sig[len(sig)-1] ^= 1
	}
	return sig, err
}

// TestRollbackAfterIssuanceRejectsAtTheCA: the new certificate fails verification on the card, a final
// failure: the card is put back as it was (new key and certificate removed, the old ones untouched), and
// the CA is told in certConf that the certificate is not accepted (RFC 9483 §4.1), so it is revoked
// instead of staying valid for a key that no longer exists.
func TestRollbackAfterIssuanceRejectsAtTheCA(t *testing.T) {
	f := newFaultWorld(t, 0)
	e := f.engine(30 * time.Second)
	e.Card = &badTestSignature{Card: e.Card}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, f.info, f.old)
	var fl *renew.Failure
	if !errors.As(err, &fl) || fl.Retriable || fl.Code != "test-signature" || r.Step != renew.StepFailed {
		t.Fatalf("bad test signature: %v, step %s", err, r.Step)
	}
	_, now := f.cert(t, "cns")
	if !bytes.Equal(now.DER, f.old.DER) || now.ID != f.old.ID {
		t.Fatalf("the card's CNS certificate changed after the rollback (key %s, old %s)", now.ID, f.old.ID)
	}
	if n := f.privateKeys(); n != f.keys {
		t.Fatalf("%d private keys after the rollback, %d before", n, f.keys)
	}
	txn, err := f.bed.CA.Store.Txn(ctx, hex.EncodeToString(r.Tx.TransactionID))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.bed.CA.Store.Cert(ctx, txn.CertSerial)
	if err != nil {
		t.Fatal(err)
	}
	if txn.State != "rejected" || cert.RevokedAt.IsZero() {
		t.Fatalf("at the CA the transaction is %s, the certificate revoked at %v: want rejected and revoked", txn.State, cert.RevokedAt)
	}
}
