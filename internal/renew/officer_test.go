package renew_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// loginTracker follows who is logged in to the card (as the card's answers say) and records who did each
// operation, so a test can show the certificate objects were written and removed by the security officer
// and the keys made, used and removed by the user — on SoftHSM for real, which lets the SO change public
// objects only.
type loginTracker struct {
	renew.Card
	mu  sync.Mutex
	who string // "user", "so" or ""
	ops []string
}

func (c *loginTracker) note(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = append(c.ops, op+":"+c.who)
}

func (c *loginTracker) set(who string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.who = who
}

func (c *loginTracker) Login(ctx context.Context, pin protocol.Secret) (protocol.PINStatus, error) {
	st, err := c.Card.Login(ctx, pin)
	if err == nil {
		c.set("user")
	}
	return st, err
}

func (c *loginTracker) LoginSO(ctx context.Context, puk protocol.Secret) (protocol.PINStatus, error) {
	st, err := c.Card.LoginSO(ctx, puk)
	if err == nil {
		c.set("so")
	}
	return st, err
}

func (c *loginTracker) Logout(ctx context.Context) error {
	err := c.Card.Logout(ctx)
	if err == nil {
		c.set("")
	}
	return err
}

func (c *loginTracker) GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error) {
	c.note("generate-key")
	return c.Card.GenerateKey(ctx, bits, label, alwaysAuth)
}

func (c *loginTracker) WriteCertificate(ctx context.Context, key, label string, der []byte) error {
	c.note("write-certificate")
	return c.Card.WriteCertificate(ctx, key, label, der)
}

func (c *loginTracker) DeleteObjects(ctx context.Context, d protocol.DeleteObjects) error {
	if d.Certificate != nil {
		c.note("delete-certificate")
	}
	if d.PrivateKey || d.PublicKey {
		c.note("delete-key")
	}
	return c.Card.DeleteObjects(ctx, d)
}

func (c *loginTracker) Signer(ctx context.Context, key string, pub crypto.PublicKey, pin hostcard.PINFunc) crypto.Signer {
	return &trackedSigner{Signer: c.Card.Signer(ctx, key, pub, pin), c: c}
}

type trackedSigner struct {
	crypto.Signer
	c *loginTracker
}

func (s *trackedSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.c.note("sign")
	return s.Signer.Sign(r, digest, opts)
}

// acWorld is an AC 2018-family card (the ATR from the card table): its renewal needs PIN and PUK.
func acWorld(t *testing.T, o testbed.Options) *world {
	o.Family = "AC"
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, o)
	info, _ := w.cert(t, "cns")
	if !info.Family.NeedsPUK || !strings.Contains(info.Family.Sigla, "AC 2018") {
		t.Fatalf("the bed's card is %+v, want an AC 2018 family card that needs the PUK", info.Family)
	}
	return w
}

func TestRenewWithPUK(t *testing.T) {
	w := acWorld(t, testbed.Options{})
	info, old := w.cert(t, "cns")
	tr := &loginTracker{Card: w.card, who: "user"}
	e := w.engine()
	e.Card = tr
	e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.Begin(ctx, info, old)
	if err != nil {
		t.Fatalf("renewal: %v", err)
	}
	if r.Step != renew.StepDone || !r.NeedsPUK {
		t.Fatalf("renewal ended at %s, needsPUK %v", r.Step, r.NeedsPUK)
	}
	want := map[string]string{"generate-key": "user", "sign": "user", "delete-key": "user",
		"write-certificate": "so", "delete-certificate": "so"}
	seen := map[string]bool{}
	for _, op := range tr.ops {
		name, who, _ := strings.Cut(op, ":")
		if want[name] != who {
			t.Errorf("%s done as %q, want %q (all: %v)", name, who, want[name], tr.ops)
		}
		seen[name] = true
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no %s in %v", name, tr.ops)
		}
	}
	_, now := w.cert(t, "cns")
	if now.ID != r.NewKey || !now.HasKey {
		t.Fatalf("the card's CNS certificate is for key %s (has key %v), want the new %s", now.ID, now.HasKey, r.NewKey)
	}
	verifyWithOpenSSL(t, w, now.DER)
	checkNoPUK(t, w, r)
}

// checkNoPUK: the journal record and the diagnostic log never hold the PUK (or the PIN).
func checkNoPUK(t *testing.T, w *world, r *renew.Renewal) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(w.bed.Dir, "state", "ponte", "renewals", "*.json"))
	if len(files) == 0 {
		t.Fatal("no journal record")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), testbed.PUK) || strings.Contains(string(b), testbed.PIN) {
			t.Fatalf("%s holds the PUK or PIN", f)
		}
	}
	if log := renew.DiagnosticLog(r); strings.Contains(log, testbed.PUK) {
		t.Fatal("the diagnostic log holds the PUK")
	}
}

// objects lists the token with OpenSC's pkcs11-tool, logged in: every key and certificate.
func objects(t *testing.T, w *world) string {
	t.Helper()
	tool := testenv.Tool(t, "pkcs11-tool")
	out, err := exec.Command(tool, "--module", w.bed.SoftHSM, "--login", "--pin", testbed.PIN, "--list-objects").CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	return string(out)
}

// A wrong PUK is caught before anything happens: no journal record, no key, no request at the CA (the
// engine's CA is a counter that would see it), and the card's retry flags, from testdata/lockshim.c's
// counters, are told in words. Never retried: each Begin is one try. The right PUK then renews.
func TestWrongPUKCostsNothing(t *testing.T) {
	w := acWorld(t, testbed.Options{Shim: testenv.PKCS11Module(t, "lockshim")})
	info, old := w.cert(t, "cns")
	before := objects(t, w)
	var requests atomic.Int32
	counter := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		http.Error(rw, "no request was expected", http.StatusTeapot)
	}))
	defer counter.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i, wantText := range []string{"restano pochi tentativi", "resta un solo tentativo"} {
		e := w.engine()
		e.CA.URL = counter.URL
		e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret("00000000")}
		r, err := e.Begin(ctx, info, old)
		var f *renew.Failure
		if !errors.As(err, &f) || f.Code != string(protocol.ErrPUKIncorrect) || !f.Retriable || r != nil {
			t.Fatalf("wrong PUK %d: %v (record %+v)", i+1, err, r)
		}
		it, en := f.Text(extension.Catalog("it")), f.Text(extension.Catalog("en"))
		if !strings.Contains(it, "PUK errato") || !strings.Contains(it, wantText) || !strings.Contains(en, "Wrong PUK") {
			t.Fatalf("wrong PUK %d says %q / %q, want %q", i+1, it, en, wantText)
		}
		if strings.Contains(f.Error()+f.Detail, "00000000") {
			t.Fatal("the failure echoes the PUK")
		}
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d requests reached the CA", n)
	}
	if open, err := w.journal.List(); err != nil || len(open) != 0 {
		t.Fatalf("journal after wrong PUKs: %d records %v", len(open), err)
	}
	if after := objects(t, w); after != before {
		t.Fatalf("the card changed after wrong PUKs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// After a wrong PUK nobody is logged in: the screens ask PIN and PUK again, and log in with the PIN.
	e := w.engine()
	e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	if _, err := w.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
		t.Fatal(err)
	}
	r, err := e.Begin(ctx, info, old)
	if err != nil || r.Step != renew.StepDone {
		t.Fatalf("renewal with the right PUK: %v", err)
	}
}

// A renewal interrupted (CA unreachable) resumes only with the PUK asked again: the journal never had it.
func TestResumeAsksThePUKAgain(t *testing.T) {
	w := acWorld(t, testbed.Options{})
	info, old := w.cert(t, "cns")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w.bed.StopCA()
	e := w.engine()
	e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	r, err := e.Begin(ctx, info, old)
	var f *renew.Failure
	if !errors.As(err, &f) || !f.Retriable || r.Step != renew.StepRequest {
		t.Fatalf("CA down: %v", err)
	}
	if err := w.bed.StartCA(); err != nil {
		t.Fatal(err)
	}
	saved, err := w.journal.Load(r.ID)
	if err != nil || !saved.NeedsPUK {
		t.Fatalf("journal: %+v %v", saved, err)
	}
	if err := w.engine().Run(ctx, saved); !errors.As(err, &f) || f.Code != "puk-required" || saved.Step != renew.StepRequest {
		t.Fatalf("resume without the PUK: %v at %s", err, saved.Step)
	}
	e = w.engine()
	e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	if err := e.Run(ctx, saved); err != nil || saved.Step != renew.StepDone {
		t.Fatalf("resume with the PUK: %v at %s\n%s", err, saved.Step, renew.DiagnosticLog(saved))
	}
	checkNoPUK(t, w, saved)
}

// ponte-host killed around the security officer's steps of an AC 2018 renewal — as the write begins, right
// after the SO wrote the certificate (the SO still logged in), as the cleanup begins and right after the
// user removed the old key (the old certificate, the SO's, still there): a new host, the PIN and the PUK
// again and the journal record finish it with one new key, one certificate, one charge.
func TestHostKilledAroundTheOfficer(t *testing.T) {
	for _, c := range []struct {
		name  string
		step  Step
		after string
	}{
		{name: "write", step: renew.StepWrite},
		{name: "write-after-write", after: "write"},
		{name: "cleanup", step: renew.StepCleanup},
		{name: "cleanup-after-delete", after: "delete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFaultWorldOn(t, 0, testbed.Options{Family: "AC"})
			if !f.puk {
				t.Fatal("the card does not ask the PUK")
			}
			e := f.engine(30 * time.Second)
			if c.step != "" {
				e.Journal = &hookJournal{Journal: e.Journal, step: c.step, at: f.kill}
			} else {
				e.Card = &hookCard{Card: e.Card, after: c.after, at: f.kill}
			}
			id := f.begin(e)
			r := f.recover(id)
			f.checkDone(r)
			checkNoPUK(t, f.world, r)
		})
	}
}
