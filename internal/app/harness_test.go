package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/ui"
)

// The controller's tests drive it as the page does (actions in) and look at the state it draws and at
// what it asked of its effects. The effects are recorders with gates: a gated call waits until the test
// opens it, so a second click or an Annulla can arrive while the card "works".

// waitLimit bounds every wait of these tests: a screen that never comes fails the test, it does not
// hang it.
const waitLimit = 10 * time.Second

type harness struct {
	t     *testing.T
	c     *Controller
	mu    sync.Mutex
	last  ui.State
	seen  chan struct{} // signalled at each drawing
	drops chan struct{} // one per late answer dropped
}

// dropped waits (bounded) for a late answer to be dropped.
func (h *harness) dropped() {
	h.t.Helper()
	select {
	case <-h.drops:
	case <-time.After(waitLimit):
		h.t.Fatal("the late answer never came")
	}
}

func newHarness(t *testing.T, s ui.State, fx Effects) *harness {
	t.Helper()
	h := &harness{t: t, seen: make(chan struct{}, 1)}
	h.c = New(s, fx, func(s ui.State) {
		h.mu.Lock()
		h.last = s
		h.mu.Unlock()
		select {
		case h.seen <- struct{}{}:
		default:
		}
	})
	h.drops = make(chan struct{}, 16)
	h.c.dropped = func() { h.drops <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go h.c.Run(ctx)
	return h
}

// do applies a and returns the state drawn after it.
func (h *harness) do(a Action) ui.State {
	h.c.Do(a)
	return h.c.State()
}

// until waits (bounded) for a drawn state that satisfies ok.
func (h *harness) until(what string, ok func(s ui.State) bool) ui.State {
	h.t.Helper()
	deadline := time.After(waitLimit)
	for {
		if s := h.c.State(); ok(s) {
			return s
		}
		select {
		case <-h.seen:
		case <-deadline:
			h.t.Fatalf("never reached: %s (state %+v)", what, h.c.State())
		}
	}
}

// idle waits until no operation is under way (so that counting the effects' calls is final).
func (h *harness) idle() {
	h.t.Helper()
	deadline := time.After(waitLimit)
	for {
		busy := make(chan bool, 1)
		h.c.Do(editBusy(busy))
		if !<-busy {
			return
		}
		select {
		case <-h.seen:
		case <-deadline:
			h.t.Fatal("an operation never ended")
		}
	}
}

type editBusy chan bool

func (e editBusy) apply(c *Controller) { e <- c.busy != nil }

// gate makes a call wait until the test opens it (nil: no wait).
type gate chan struct{}

func (g gate) pass(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case <-g:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// calls records the effects' calls, by name, with a copy of the secrets they were given.
type calls struct {
	mu   sync.Mutex
	log  []string
	pins []string
}

func (c *calls) add(name string, secrets ...protocol.Secret) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, name)
	for _, s := range secrets {
		c.pins = append(c.pins, string(s))
	}
}

func (c *calls) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.log {
		if l == name {
			n++
		}
	}
	return n
}

// fakeCard is the card: Login and the PIN changes answer what the test set, after their gate.
type fakeCard struct {
	*calls
	loginGate gate
	loginErr  error
	loginFlag protocol.PINStatus
	pinGate   gate
	pinErr    error
	pinFlags  protocol.PINStatus
	info      *protocol.Card
}

func (f *fakeCard) Login(ctx context.Context, id string, pin protocol.Secret) (protocol.PINStatus, error) {
	f.add("login", pin)
	if err := f.loginGate.pass(ctx); err != nil {
		return protocol.PINStatus{}, err
	}
	return f.loginFlag, f.loginErr
}

func (f *fakeCard) ChangePIN(ctx context.Context, id string, old, pin protocol.Secret) (protocol.PINStatus, error) {
	f.add("change", old, pin)
	if err := f.pinGate.pass(ctx); err != nil {
		return protocol.PINStatus{}, err
	}
	return f.pinFlags, f.pinErr
}

func (f *fakeCard) UnblockPIN(ctx context.Context, id string, puk, pin protocol.Secret) (protocol.PINStatus, error) {
	f.add("unblock", puk, pin)
	if err := f.pinGate.pass(ctx); err != nil {
		return protocol.PINStatus{}, err
	}
	return f.pinFlags, f.pinErr
}

func (f *fakeCard) Info(ctx context.Context, id string) (*protocol.Card, error) {
	f.add("info")
	if f.info == nil {
		return nil, hostcard.ErrNoSuchCard
	}
	return f.info, nil
}

// fakeRenewer is the engine: it reports steps, then returns what the test set.
type fakeRenewer struct {
	*calls
	gate  gate
	jobs  chan RenewJob
	steps []renew.Step
	out   func(j RenewJob) (*renew.Renewal, error)
}

func (f *fakeRenewer) Renew(ctx context.Context, j RenewJob, progress func(*renew.Renewal)) (*renew.Renewal, error) {
	f.add("renew", j.SamePIN)
	if f.jobs != nil {
		f.jobs <- j
	}
	r := j.Renewal
	if r == nil {
		r = &renew.Renewal{ID: "r1", Card: j.Card.ID, Profile: j.Profile.ID, Mode: "rekey", OldCert: j.Cert.DER}
	}
	for _, s := range f.steps {
		r.Step = s
		progress(r)
	}
	if err := f.gate.pass(ctx); err != nil {
		return r, err
	}
	out, err := f.out(j)
	if out != nil && err == nil {
		progress(out) // as the engine reports its last step
	}
	return out, err
}

type fakeJournal struct {
	*calls
	records map[string]*renew.Renewal
}

func (f *fakeJournal) Load(ctx context.Context, id string) (*renew.Renewal, error) {
	f.add("load")
	if r, ok := f.records[id]; ok {
		return r, nil
	}
	return nil, renew.ErrNotFound
}

// fakePage is the page: the guard's state, reconnections and re-readings asked.
type fakePage struct {
	*calls
	mu    sync.Mutex
	gone  bool
	guard bool
}

func (f *fakePage) HostGone() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.gone }
func (f *fakePage) Reconnect()     { f.add("reconnect") }
func (f *fakePage) Refresh()       { f.add("refresh") }
func (f *fakePage) Guard(on bool) {
	f.add("guard")
	f.mu.Lock()
	f.guard = on
	f.mu.Unlock()
}

// testCert is a card certificate of role expiring at notAfter (signtest's factory, self-signed).
func testCert(t *testing.T, id, role string, notAfter time.Time) protocol.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := signtest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ROSSI MARIO " + role},
		NotBefore: notAfter.AddDate(-3, 0, 0), NotAfter: notAfter}, key, nil).Cert()
	return protocol.Certificate{ID: id, Role: role, DER: c.Raw, NotAfter: notAfter.Format(time.RFC3339)}
}

// world is one card with a CNS and a signature certificate both inside the renewal window, a profile
// that renews both, and the effects around them.
type world struct {
	card    *protocol.Card
	profile *renew.Profile
	calls   *calls
	cardFx  *fakeCard
	eng     *fakeRenewer
	journal *fakeJournal
	page    *fakePage
}

func newWorld(t *testing.T) *world {
	expiry := time.Now().AddDate(0, 0, 20)
	card := &protocol.Card{ID: "card1", Number: "0001", Holder: &protocol.Holder{Surname: "ROSSI", Name: "MARIO"},
		Family: protocol.Family{Sigla: "TS-CNS"}, Token: &protocol.Token{},
		Certificates: []protocol.Certificate{testCert(t, "01", "cns", expiry), testCert(t, "02", "signature", expiry)}}
	profile := &renew.Profile{ID: "test-ca", Name: "Test CA",
		Renews: []renew.Rule{{Role: "cns", Mode: "rekey", WindowDays: 60}, {Role: "signature", Mode: "extend", WindowDays: 60}},
		Terms:  renew.Text{IT: "condizioni", EN: "terms"}, Privacy: renew.Text{IT: "informativa", EN: "privacy notice"}}
	cl := &calls{}
	newCert := testCert(t, "03", "cns", time.Now().AddDate(3, 0, 0))
	return &world{card: card, profile: profile, calls: cl,
		cardFx: &fakeCard{calls: cl, info: card},
		eng: &fakeRenewer{calls: cl, steps: []renew.Step{renew.StepKeygen, renew.StepRequest, renew.StepWrite},
			out: func(j RenewJob) (*renew.Renewal, error) {
				return &renew.Renewal{ID: "r1", Step: renew.StepDone, NewCert: newCert.DER}, nil
			}},
		journal: &fakeJournal{calls: cl, records: map[string]*renew.Renewal{}},
		page:    &fakePage{calls: cl}}
}

func (w *world) effects() Effects {
	return Effects{Card: w.cardFx, Renewer: w.eng, Journal: w.journal, Page: w.page}
}

// app starts the controller on the card list, the card read and the profile loaded.
func (w *world) app(t *testing.T) *harness {
	h := newHarness(t, ui.State{Mode: "app", Lang: "it", Conn: ui.Connected}, w.effects())
	h.do(ProfilesLoaded{Profiles: []*renew.Profile{w.profile}})
	h.do(CardsRead{Readers: []protocol.Reader{{Name: "reader 0", Card: w.card}}})
	return h
}

func wiped(s protocol.Secret) bool {
	for _, b := range s {
		if b != 0 {
			return false
		}
	}
	return true
}
