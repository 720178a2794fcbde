package e2e

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

// recorder stands in for the test when a helper is expected to fail: Fatal records the message and ends
// the helper's goroutine, as testing's own Fatal does.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Fatal(args ...any) { r.msg = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failureOf runs helper with a recorder and returns what it failed with ("" if it returned). A helper
// that has not returned after bound fails the test: that is the hang these helpers exist to prevent.
func failureOf(t *testing.T, bound time.Duration, helper func(testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(r)
	}()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("the helper had not returned after %v", bound)
	}
	return r.msg
}

// eventually gives up after its bound with the last state it saw, having checked at most
// d/pollEvery+1 times; a state reached stops it at once.
func TestEventuallyIsBounded(t *testing.T) {
	n := 0
	msg := failureOf(t, 30*time.Second, func(tb testing.TB) {
		eventually(tb, time.Second, "a state never reached", func() (bool, string) {
			n++
			return false, fmt.Sprintf("check %d", n)
		})
	})
	if max := int(time.Second/pollEvery) + 1; n < 2 || n > max {
		t.Errorf("%d checks, want 2..%d", n, max)
	}
	if want := fmt.Sprintf("a state never reached: not so within 1s; last seen: check %d", n); msg != want {
		t.Errorf("failure %q, want %q", msg, want)
	}
	n = 0
	if msg := failureOf(t, 30*time.Second, func(tb testing.TB) {
		eventually(tb, time.Minute, "reached", func() (bool, string) { n++; return n == 3, "" })
	}); msg != "" || n != 3 {
		t.Errorf("a state reached at the third check: %d checks, failure %q", n, msg)
	}
}

// A selector that is not on the page fails text and within with a message naming the selector (text) or
// the step (within) and the tab's address, instead of waiting for go test's timeout.
func TestHelpersFailOnAMissingSelector(t *testing.T) {
	build := built(t)
	ctx := startBrowser(t, build, "")
	within(t, ctx, 60*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	msg := failureOf(t, textWait+time.Minute, func(tb testing.TB) { text(tb, ctx, "#no-such-element") })
	if !strings.Contains(msg, "no #no-such-element on the page within 10s") || !strings.Contains(msg, "app.html") {
		t.Errorf("text on a missing element failed with %q", msg)
	}
	t.Logf("text failed as it should: %s", msg)
	msg = failureOf(t, time.Minute, func(tb testing.TB) {
		within(tb, ctx, 3*time.Second, chromedp.WaitVisible(chromedp.CSS("h1")), chromedp.WaitVisible(chromedp.CSS("#no-such-element")))
	})
	if !strings.Contains(msg, "step 2 of 2 did not complete within 3s") || !strings.Contains(msg, "app.html") {
		t.Errorf("within on a missing element failed with %q", msg)
	}
	t.Logf("within failed as it should: %s", msg)
	// The tab still answers: the helpers' deadlines ended their own calls, not the browser.
	if got := text(t, ctx, "h1"); got == "" {
		t.Error("no title after the failed calls")
	}
}
