package app

import (
	"context"
	"time"

	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/ui"
)

// The Firma page's card step (ui.SignState): from the PIN screen to the saved file. Choosing the file,
// reading and hashing it stay in the page (the File is a browser object), which shows "confirm" once
// the job is prepared.

// Signer signs the prepared document (signjob.Job) with the card and saves the result.
type Signer interface {
	// Sign opens the PIN session with pin (one try), asks ctxPIN for the context-specific PIN when the key
	// wants it, awaits the digest and has the card sign it. A failed login returns its PIN status.
	Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) (sig []byte, login *protocol.PINStatus, err error)
	// Finish embeds sig (and the time stamp, unless dropped) and saves the file; it returns the file's name.
	Finish(ctx context.Context, sig []byte, dropTimeStamp bool) (output string, err error)
}

// signTimeout bounds the card step, the user's typing of a context-specific PIN included.
const signTimeout = 10 * time.Minute

// SignWithPIN is the PIN screen's form. Taken only on that screen with nothing under way: a double
// click is wiped unused and never costs a second PIN try or a second signature.
type SignWithPIN struct{ PIN protocol.Secret }

func (a SignWithPIN) apply(c *Controller) {
	g := c.s.Sign
	if g == nil || g.Screen != ui.SignConfirm || c.busy != nil {
		a.PIN.Wipe()
		return
	}
	g.Screen, g.Error = ui.SignSigning, nil
	c.sig = nil
	show := func(c *Controller, waiting bool) {
		if c.s.Sign != nil {
			c.s.Sign.Screen = ui.SignSigning
			if waiting {
				c.s.Sign.Screen = ui.SignCtxPIN
			}
		}
	}
	c.cardSignature(signTimeout, show, func(ctx context.Context, ask func() (protocol.Secret, error)) Action {
		sig, login, err := c.fx.Signer.Sign(ctx, a.PIN, ask)
		return signed{sig: sig, login: login, err: err}
	})
}

// cardSignature runs a card signature (sign) as the operation awaited, bounded by timeout; sign gets the
// context-specific PIN's PINFunc, which shows the second PIN screen (show) and waits for ContextPIN.
func (c *Controller) cardSignature(timeout time.Duration, show func(c *Controller, waiting bool),
	sign func(ctx context.Context, ask func() (protocol.Secret, error)) Action) {
	c.start(true, func(ctx context.Context, op uint64) Action {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return sign(ctx, func() (protocol.Secret, error) { return c.askContextPIN(ctx, op, show) })
	})
}

type signed struct {
	sig   []byte
	login *protocol.PINStatus
	err   error
}

func (a signed) apply(c *Controller) {
	g := c.s.Sign
	switch {
	case g == nil:
	case a.login != nil: // the login failed: one try, back to the PIN screen
		g.Screen, g.Error = ui.SignConfirm, c.words(a.err)
		g.PIN = ui.PINView{CountLow: a.login.CountLow, FinalTry: a.login.FinalTry, Locked: a.login.Locked, PINPad: g.PIN.PINPad}
	case a.err != nil:
		c.signError(a.err)
	default:
		c.sig = a.sig // kept: a time-stamp failure never costs a second card signature
		c.signFinish(false)
	}
}

// SignRetryTimeStamp and SignDropTimeStamp are the "tsfail" screen's choices: ask the TSA again, or save
// without the time stamp. The card's signature is reused.
type (
	SignRetryTimeStamp struct{}
	SignDropTimeStamp  struct{}
)

func (SignRetryTimeStamp) apply(c *Controller) { c.signAfterTSFail(false) }
func (SignDropTimeStamp) apply(c *Controller)  { c.signAfterTSFail(true) }

func (c *Controller) signAfterTSFail(drop bool) {
	if g := c.s.Sign; g != nil && g.Screen == ui.SignTSFail && c.busy == nil && c.sig != nil {
		c.signFinish(drop)
	}
}

func (c *Controller) signFinish(drop bool) {
	c.s.Sign.Screen = ui.SignSigning
	sig := c.sig
	c.start(false, func(ctx context.Context, _ uint64) Action {
		out, err := c.fx.Signer.Finish(ctx, sig, drop)
		return finished{out: out, err: err}
	})
}

type finished struct {
	out string
	err error
}

func (a finished) apply(c *Controller) {
	g := c.s.Sign
	switch {
	case g == nil:
	case signerr.CodeOf(a.err) == signerr.TimeStamp:
		g.Screen, g.Error, g.Permissions = ui.SignTSFail, c.words(a.err), PermissionAsksOf(a.err)
	case a.err != nil:
		c.signError(a.err)
	default:
		c.sig = nil
		g.Screen, g.Output = ui.SignDone, a.out
	}
}

// SignShow is the page's own step of the Firma screens (choosing, reading and hashing the file): it
// may move the screen only while no card step runs.
func SignShow(f func(g *ui.SignState)) Action { return signShow(f) }

type signShow func(g *ui.SignState)

func (f signShow) apply(c *Controller) {
	if c.s.Sign != nil && c.busy == nil {
		f(c.s.Sign)
	}
}

// SignFailed shows err on the error screen (the page's steps refuse bad input with signerr codes).
type SignFailed struct{ Err error }

func (a SignFailed) apply(c *Controller) {
	if c.s.Sign != nil && c.busy == nil {
		c.signError(a.Err)
	}
}

// SignReset is Annulla / "Firma un altro file": back to the choice, keeping the verification shown. A
// PIN step under way is left (the PIN session ends with its context).
type SignReset struct{}

func (SignReset) apply(c *Controller) {
	g := c.s.Sign
	if g == nil || !c.leave() {
		return
	}
	c.sig = nil
	c.s.Sign = &ui.SignState{Screen: ui.SignChoose, TSA: g.TSA, Verify: g.Verify}
}

func (c *Controller) signError(err error) {
	g := c.s.Sign
	g.Screen, g.Error, g.Permissions = ui.SignError, c.words(err), PermissionAsksOf(err)
}

// words is an error of the signature in both languages (Effects.Words).
func (c *Controller) words(err error) *ui.Bilingual {
	if c.fx.Words != nil {
		return c.fx.Words(err)
	}
	return &ui.Bilingual{IT: err.Error(), EN: err.Error()}
}

// PermissionAsksOf is the host permission a refused service needed (netperm), for the screen to offer.
func PermissionAsksOf(err error) []ui.PermissionAsk {
	if d := netperm.As(err); d != nil {
		return []ui.PermissionAsk{{Origin: d.Origin, Pattern: d.Pattern}}
	}
	return nil
}
