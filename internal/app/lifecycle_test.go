package app

import (
	"context"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// TestLifecycleSubmitGuard: the lifecycle's PIN submit is claimed once; a second submit while the first
// runs is refused (its PIN is never sent), as is one from another screen or while another card
// operation is under way; after EndLifecycle the screen (a wrong PIN keeps it) takes a submit again.
func TestLifecycleSubmitGuard(t *testing.T) {
	l := ui.NewLifecycle(renew.ActionSuspend, "card", "cert", "Mario", "auth", ui.Manage{}, ui.PINView{})
	h := newHarness(t, ui.State{Lifecycle: l}, Effects{})
	c := h.c
	if c.BeginLifecycle() {
		t.Fatal("claimed on the confirmation screen")
	}
	c.Do(Edit(func(s *ui.State) { s.Lifecycle.Screen = "pin" }))
	if !c.BeginLifecycle() {
		t.Fatal("first submit refused")
	}
	if !c.State().Lifecycle.Busy {
		t.Fatal("the screen is not drawn busy while the submit runs")
	}
	if c.BeginLifecycle() {
		t.Fatal("second submit accepted while the first runs: it would send an empty PIN")
	}
	c.EndLifecycle()
	if c.State().Lifecycle.Busy {
		t.Fatal("still busy after EndLifecycle")
	}
	if !c.BeginLifecycle() {
		t.Fatal("submit refused after the first ended")
	}
	c.EndLifecycle()
	release := make(chan struct{})
	c.Do(startAction(func(c *Controller) {
		c.start(true, func(ctx context.Context, _ uint64) Action { <-release; return nil })
	}))
	if c.BeginLifecycle() {
		t.Fatal("claimed while another card operation is under way")
	}
	close(release)
	for i := 0; i < 2000; i++ { // bounded: until the operation's answer is applied
		busy := make(editBusy, 1)
		c.Do(busy)
		if !<-busy {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !c.BeginLifecycle() {
		t.Fatal("submit refused after the other operation ended")
	}
	c.EndLifecycle()
	c.Do(Edit(func(s *ui.State) { s.Lifecycle = nil }))
	if c.BeginLifecycle() {
		t.Fatal("claimed with no lifecycle screen")
	}
}

// startAction runs f in the controller's loop (c.start must be called there).
type startAction func(c *Controller)

func (a startAction) apply(c *Controller) { a(c) }
