package app

import "github.com/ponte-it/ponte/internal/ui"

// The suspend/reactivate/revoke screen (wasm/lifecycle.go) logs in and sends the rr from the page's glue;
// its PIN submit goes through the same guard as the renewal's (SubmitPIN): one card operation at a time,
// so a second click while the card works neither starts a second login nor sends the PIN field that the
// first click has already read and cleared (an empty PIN, which the card would count as a wrong try).

// BeginLifecycle claims the lifecycle's PIN submit: it reports true, and marks the screen busy, only when
// the PIN screen is open, no submit of it is running, and no other card operation is under way.
// EndLifecycle must follow every true.
func (c *Controller) BeginLifecycle() bool {
	ok := make(chan bool, 1)
	c.Do(lifecycleClaim(ok))
	return <-ok
}

// EndLifecycle releases the claim of BeginLifecycle, whatever screen the lifecycle has reached.
func (c *Controller) EndLifecycle() {
	c.Do(Edit(func(s *ui.State) {
		if s.Lifecycle != nil {
			s.Lifecycle.Busy = false
		}
	}))
}

type lifecycleClaim chan bool

func (a lifecycleClaim) apply(c *Controller) {
	l := c.s.Lifecycle
	ok := l != nil && l.Screen == "pin" && !l.Busy && c.busy == nil
	if ok {
		l.Busy = true
	}
	a <- ok
}
