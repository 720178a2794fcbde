// Package app is the UI controller of Ponte's pages: actions in (a click, a host's answer, a card
// event), a new ui.State plus effects out (the card, the journal, the renewal engine with its CA, the
// download), processed one at a time by a single event loop. An operation that talks to the card is
// started only from the screen that offers it and only when none is under way, and its answer is
// taken only while it is still the operation awaited: a double click cannot spend a second PIN try, a
// late answer after Annulla cannot move a screen the user has left (ARCHITECTURE.md, "Rendering in
// WASM"; Web eID's controller is the model).
//
// The package compiles natively: its tests drive every screen of the renewal, the PIN management, the
// signature and the consent window without a browser. wasm/ keeps the DOM, the transports and the
// browser's storage, and implements the effects' interfaces.
package app

import (
	"context"
	"sync"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// Action is one thing that happened: the loop applies it to the state, alone.
type Action interface{ apply(c *Controller) }

// Controller owns the page's state. Run is its event loop; Dispatch and Do hand it actions.
type Controller struct {
	in   chan step
	draw func(ui.State) // called by the loop after each action, with the new state

	mu   sync.Mutex // guards snap
	snap ui.State

	s    ui.State // the loop's own: touched only by apply
	fx   Effects
	busy *operation // the card operation whose answer is awaited, nil when none
	seq  uint64

	renewal      *renewalRun
	profiles     []*renew.Profile
	profilesSnap []*renew.Profile     // guarded by mu, for Profiles
	ctxPIN       chan protocol.Secret // the context-specific PIN an operation waits for, nil when none
	answered     bool                 // the consent window answered its page
	dropped      func()               // told of each late answer dropped (tests)
	sig          []byte               // the Firma page's card signature, until the file is saved
}

type step struct {
	act  Action
	done chan struct{}
}

// New makes a controller over state s (the page's mode and language set) and effects fx; draw gets each
// new state (the WASM turns it into HTML, the tests look at it).
func New(s ui.State, fx Effects, draw func(ui.State)) *Controller {
	if draw == nil {
		draw = func(ui.State) {}
	}
	return &Controller{in: make(chan step, 64), draw: draw, s: s, snap: s, fx: fx}
}

// Run is the event loop: one action at a time, until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case st := <-c.in:
			st.act.apply(c)
			c.publish()
			if st.done != nil {
				close(st.done)
			}
		}
	}
}

// Dispatch queues a and returns at once (a DOM listener must not block).
func (c *Controller) Dispatch(a Action) { c.in <- step{act: a} }

// Do queues a and returns once it is applied and drawn. Never call it from an effect the loop is
// running synchronously (effects run on their own goroutines).
func (c *Controller) Do(a Action) {
	done := make(chan struct{})
	c.in <- step{act: a, done: done}
	<-done
}

// State is a copy of the state as last drawn; the screens' structs are copied, so a reader never sees
// the loop change them.
func (c *Controller) State() ui.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap
}

func (c *Controller) publish() {
	s := c.s
	if s.Flow != nil {
		f := *s.Flow
		s.Flow = &f
	}
	if s.PINManage != nil {
		m := *s.PINManage
		s.PINManage = &m
	}
	if s.Sign != nil {
		g := *s.Sign
		s.Sign = &g
	}
	if s.Consent != nil {
		k := *s.Consent
		s.Consent = &k
	}
	if s.Lifecycle != nil {
		l := *s.Lifecycle
		s.Lifecycle = &l
	}
	c.mu.Lock()
	c.snap = s
	c.mu.Unlock()
	c.draw(s)
}

// Edit changes the state with f inside the loop: the pages whose logic is plain (inventory, setup,
// options, the list's statuses) and the glue's own fields (readers read, profiles loaded) go through it,
// so every change of the state is one of the loop's steps.
func Edit(f func(s *ui.State)) Action { return editAction(f) }

type editAction func(s *ui.State)

func (e editAction) apply(c *Controller) { e(&c.s) }

// operation is a card operation under way: its answer is an Action tagged with the operation, applied
// only while c.busy is still this one.
type operation struct {
	id     uint64
	cancel context.CancelFunc
	// closable: the user may leave the screen while it runs (a login, a PIN change); the renewal engine
	// is not (it writes to the card: the progress screen has no Annulla).
	closable bool
	// wipe clears the secrets the operation was started with, when it is left before it used them.
	wipe func()
}

// start runs f on its own goroutine as the operation awaited; f's Action is applied only if, by then,
// no other operation has replaced it and it was not abandoned. It reports false (and runs nothing) when
// one is under way already: the double click.
func (c *Controller) start(closable bool, f func(ctx context.Context, op uint64) Action) bool {
	if c.busy != nil {
		return false
	}
	c.seq++
	ctx, cancel := context.WithCancel(context.Background())
	op := &operation{id: c.seq, cancel: cancel, closable: closable}
	c.busy = op
	go func() {
		res := f(ctx, op.id)
		c.Dispatch(answer{op: op.id, res: res})
	}()
	return true
}

// leave abandons the operation under way, if the user may: its answer will be dropped. It reports
// whether the screen may be left.
func (c *Controller) leave() bool {
	if c.busy == nil {
		return true
	}
	if !c.busy.closable {
		return false
	}
	c.busy.cancel()
	if c.busy.wipe != nil {
		c.busy.wipe()
	}
	c.busy = nil
	c.ctxPIN = nil
	return true
}

// current reports whether op is the operation awaited.
func (c *Controller) current(op uint64) bool { return c.busy != nil && c.busy.id == op }

// answer is an operation's outcome coming back to the loop.
type answer struct {
	op  uint64
	res Action
}

func (a answer) apply(c *Controller) {
	if !c.current(a.op) { // a late answer: its operation was left, and its secrets wiped, by leave
		if c.dropped != nil {
			c.dropped()
		}
		return
	}
	c.busy.cancel()
	c.busy, c.ctxPIN = nil, nil
	if a.res != nil {
		a.res.apply(c)
	}
}

// during is a step an operation reports while it runs (the renewal's progress, the context-specific
// PIN's screen): applied only while the operation is still awaited.
type during struct {
	op uint64
	f  func(c *Controller)
}

func (d during) apply(c *Controller) {
	if c.current(d.op) {
		d.f(c)
	}
}

// askContextPIN is for an operation's goroutine: it shows screen (through show, in the loop) and waits
// for the PIN typed there (ContextPIN), for a key that wants it at each signature (PKCS#11
// CKA_ALWAYS_AUTHENTICATE); then shows after.
func (c *Controller) askContextPIN(ctx context.Context, op uint64, show func(c *Controller, waiting bool)) (protocol.Secret, error) {
	ch := make(chan protocol.Secret, 1)
	c.Dispatch(during{op, func(c *Controller) { c.ctxPIN = ch; show(c, true) }})
	select {
	case p := <-ch:
		c.Dispatch(during{op, func(c *Controller) { show(c, false) }})
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ContextPIN is the PIN typed on a "ctxpin" screen; with no operation waiting for one it is wiped.
type ContextPIN struct{ PIN protocol.Secret }

func (a ContextPIN) apply(c *Controller) {
	if c.ctxPIN == nil {
		a.PIN.Wipe()
		return
	}
	c.ctxPIN <- a.PIN // buffered, one: the operation takes it
	c.ctxPIN = nil
}
