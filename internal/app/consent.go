package app

import (
	"context"
	"time"

	"github.com/ponte-it/ponte/internal/pageapi"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// The consent window's screens (ui.Consent, docs/page-api.md): one page's request, answered exactly
// once — signed, refused, cancelled or expired.

// ConsentPeer is the window's world: the card and the service worker that replies to the page.
type ConsentPeer interface {
	// Sign makes the request's signature (a digest, or a login's origin-bound structure) with one PIN
	// try, the context-specific PIN through ctxPIN when the key wants it; it returns the page's result.
	// A failed login returns its PIN status.
	Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) (result map[string]any, login *protocol.PINStatus, err error)
	// GiveCertificate lets the page read the certificate (remembering the origin when the holder ticked
	// "ricorda per questo sito").
	GiveCertificate() error
	// Answer hands the outcome to the service worker (without blocking); keepOpen leaves the window up.
	Answer(answer map[string]any, keepOpen bool)
}

// ConsentCard is the card and the certificate (by ID) that serve req among readers: the first card a
// PKCS#11 module sees (the one the page named, if it did) and its certificate of the requested role. When
// none can, the page API code says why, with an error for the screen when there are words to show; a
// signature is never made with the authentication key (pageapi.SignsWithAuthKey, docs/page-api.md).
func ConsentCard(req *pageapi.SignRequest, readers []protocol.Reader) (*protocol.Card, string, pageapi.Code, error) {
	var card *protocol.Card
	for _, r := range readers {
		if r.Card != nil && r.Card.Token != nil && (req.Card == "" || r.Card.ID == req.Card) {
			card = r.Card
			break
		}
	}
	if card == nil {
		return nil, "", pageapi.NoCard, nil
	}
	for _, c := range card.Certificates {
		if c.Role != req.Role || c.ID == "" {
			continue
		}
		if req.Type == pageapi.TypeSign && pageapi.SignsWithAuthKey(card, c.ID) {
			return nil, "", pageapi.AuthKeyNotForSigning, pageapi.ErrAuthKeySigns
		}
		return card, c.ID, "", nil
	}
	return nil, "", pageapi.NoCertificate, nil
}

// ConsentConfirm is the confirm button (with the PIN for a signature or a login). Taken only on the
// confirm screen, armed, unanswered and with nothing under way: a double click, or a click before the
// window was armed, does nothing.
type ConsentConfirm struct{ PIN protocol.Secret }

func (a ConsentConfirm) apply(c *Controller) {
	k := c.s.Consent
	if k == nil || k.Screen != ui.ConsentConfirm || !k.Armed || c.answered || c.busy != nil {
		a.PIN.Wipe()
		return
	}
	if k.Kind == pageapi.TypeCertificate {
		a.PIN.Wipe()
		if err := c.fx.Consent.GiveCertificate(); err != nil {
			c.consentFail(pageapi.Internal, err)
			return
		}
		k.Screen = ui.ConsentDone
		c.consentAnswer(map[string]any{"ok": true, "result": map[string]any{"consented": true}}, false)
		return
	}
	k.Screen, k.Error = ui.ConsentSigning, nil
	show := func(c *Controller, waiting bool) {
		if c.s.Consent != nil {
			c.s.Consent.Screen = ui.ConsentSigning
			if waiting {
				c.s.Consent.Screen = ui.ConsentCtxPIN
			}
		}
	}
	c.cardSignature(5*time.Minute, show, func(ctx context.Context, ask func() (protocol.Secret, error)) Action {
		result, login, err := c.fx.Consent.Sign(ctx, a.PIN, ask)
		return consentSigned{result: result, login: login, err: err}
	})
}

type consentSigned struct {
	result map[string]any
	login  *protocol.PINStatus
	err    error
}

func (a consentSigned) apply(c *Controller) {
	k := c.s.Consent
	if a.login != nil { // the login failed: one try per request, the page gets WRONG_PIN and may ask again
		k.PIN = ui.PINView{CountLow: a.login.CountLow, FinalTry: a.login.FinalTry, Locked: a.login.Locked, PINPad: k.PIN.PINPad}
	}
	if a.err != nil {
		c.consentFail(pageapi.FromError(a.err), a.err)
		return
	}
	k.Screen = ui.ConsentDone
	c.consentAnswer(map[string]any{"ok": true, "result": a.result}, false)
}

// ConsentCancel is Annulla: the page gets USER_CANCELLED; a PIN step under way is left.
type ConsentCancel struct{}

func (ConsentCancel) apply(c *Controller) {
	k := c.s.Consent
	if k == nil || c.answered {
		return
	}
	if c.busy != nil {
		c.busy.closable = true // the answer is the cancellation; the card's late answer is dropped
		c.leave()
	}
	k.Screen, k.Code, k.CodeKey = ui.ConsentFailed, string(pageapi.UserCancelled), pageapi.UserCancelled.MessageKey()
	c.consentAnswer(map[string]any{"ok": false, "code": string(pageapi.UserCancelled), "detail": "the user cancelled"}, false)
}

// ConsentFail answers the page with Code and shows it (a request that cannot be served: no card, no
// certificate, a bad request); Err, when there is one, in the card's or host's words too.
type ConsentFail struct {
	Code pageapi.Code
	Err  error
}

func (a ConsentFail) apply(c *Controller) {
	if c.s.Consent != nil && !c.answered && c.busy == nil {
		c.consentFail(a.Code, a.Err)
	}
}

// ConsentExpired: the request is gone (timed out, or the worker restarted and forgot it).
type ConsentExpired struct{}

func (ConsentExpired) apply(c *Controller) {
	if c.s.Consent == nil || c.answered {
		return
	}
	c.leave()
	c.answered = true
	c.s.Consent.Screen = ui.ConsentExpired
}

// ConsentAnswered reports whether the window has answered its page (State is the screen; this is the
// promise).
func (c *Controller) ConsentAnswered() bool {
	done := make(chan bool, 1)
	c.Do(editAnswered(done))
	return <-done
}

type editAnswered chan bool

func (e editAnswered) apply(c *Controller) { e <- c.answered }

func (c *Controller) consentFail(code pageapi.Code, err error) {
	k := c.s.Consent
	detail := string(code)
	k.Screen, k.Code, k.CodeKey, k.Error = ui.ConsentFailed, string(code), code.MessageKey(), nil
	if err != nil {
		detail, k.Error = err.Error(), c.words(err)
	}
	c.consentAnswer(map[string]any{"ok": false, "code": string(code), "detail": detail}, true)
}

// consentAnswer hands the outcome to the worker, once.
func (c *Controller) consentAnswer(answer map[string]any, keepOpen bool) {
	if c.answered {
		return
	}
	c.answered = true
	c.fx.Consent.Answer(answer, keepOpen)
}
