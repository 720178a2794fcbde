//go:build js && wasm && !cards

package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/examples/page-api/authverify"
	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/pageapi"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/ui"
)

// The consent window (consent.html) of the page API (docs/page-api.md): the service worker opens it for
// one page's request, named by the fragment (#<request id>): a signature over a digest, a login
// (authenticate) or the certificate. It shows the requesting origin and what the page gets, asks the PIN
// for a signature or login (never stored: it goes to the host in the login and sign commands only), signs
// on the card and hands the answer back to the worker, which replies to the page.
// Its screens, and answering the page exactly once, are internal/app's (consent.go there).
var consentRun struct {
	mu     sync.Mutex
	id     string
	req    *pageapi.SignRequest
	loaded chan struct{} // closed once the request is known (or known to be gone)
	card   *protocol.Card
	cert   *signjob.Cert
	armGen int // the activation delay's generation: a blur or a hidden window restarts it
}

// armDelay is how long the confirm button stays off after the window is shown and focused, as browsers
// do for permission prompts: a click or key meant for the page underneath (a double click, an Enter, a
// PIN-pad reader's OK) cannot confirm by accident.
const armDelay = 800 * time.Millisecond

// consentArm turns the confirm button on armDelay after the window is visible and focused, and off at
// once when it is hidden or loses focus. It changes the button in place, not by a redraw: a redraw
// would clear the PIN typed meanwhile (password fields are never carried over, keep.go); the state
// follows, so the next redraw renders the same.
func (a *app) consentArm(event string) {
	// A blur disarms until the next focus; the window opens focused (chrome.windows.create focused: true),
	// so being visible is enough to start the delay at first.
	visible := event != "blur" && js.Global().Get("document").Get("visibilityState").String() == "visible"
	consentRun.mu.Lock()
	consentRun.armGen++
	gen := consentRun.armGen
	consentRun.mu.Unlock()
	a.setArmed(false)
	if !visible {
		return
	}
	time.AfterFunc(armDelay, func() {
		consentRun.mu.Lock()
		current := consentRun.armGen == gen
		consentRun.mu.Unlock()
		if current {
			a.setArmed(true)
		}
	})
}

func (a *app) setArmed(on bool) {
	if b := byID("consent-confirm"); b.Truthy() {
		b.Set("disabled", !on)
		b.Get("dataset").Set("armed", fmt.Sprint(on))
	}
	if w := byID("consent-wait"); w.Truthy() {
		w.Set("hidden", on)
	}
	// The page now shows what this state renders: this step is not redrawn (that would clear the PIN
	// being typed), only recorded as drawn.
	a.update(func(s *ui.State) {
		if s.Consent != nil {
			s.Consent.Armed = on
			a.mu.Lock()
			a.quiet = true
			a.mu.Unlock()
		}
	})
}

// workerCall sends a message to the service worker and returns its reply.
func workerCall(msg map[string]any) (js.Value, error) {
	rt := chromeRuntime()
	if !rt.Truthy() || !rt.Get("sendMessage").Truthy() {
		return js.Undefined(), errors.New("not an extension page")
	}
	return await(rt.Call("sendMessage", msg))
}

// consentPeer is the controller's ctrl.ConsentPeer: the card, and the service worker that replies.
type consentPeer struct{ a *app }

// Answer hands the outcome to the worker (the controller calls it once); keepOpen leaves the window up so
// the user reads why nothing was signed.
func (consentPeer) Answer(answer map[string]any, keepOpen bool) {
	consentRun.mu.Lock()
	id := consentRun.id
	consentRun.mu.Unlock()
	answer["keepOpen"] = keepOpen
	go func() {
		if _, err := workerCall(map[string]any{"type": "ponte-consent-done", "id": id, "answer": answer}); err != nil {
			js_console("consent: " + err.Error())
		}
	}()
}

// consentFail answers the page with code and shows it; err, when there is one, in the card's or host's
// words too.
func (a *app) consentFail(code pageapi.Code, err error) {
	a.ctl.Do(ctrl.ConsentFail{Code: code, Err: err})
}

// consentOpen reads the request from the worker and keeps the worker awake while the window is open
// (Chrome stops an idle extension service worker after 30 s; extension messages reset that timer).
func (a *app) consentOpen() {
	id := strings.TrimPrefix(js.Global().Get("location").Get("hash").String(), "#")
	consentRun.mu.Lock()
	consentRun.id = id
	consentRun.mu.Unlock()
	defer close(consentRun.loaded)
	v, err := workerCall(map[string]any{"type": "ponte-consent-get", "id": id})
	if err != nil || !v.Truthy() || !v.Get("request").Truthy() {
		a.ctl.Do(ctrl.ConsentExpired{})
		return
	}
	var req pageapi.SignRequest
	r := v.Get("request")
	for k, p := range map[string]*string{"type": &req.Type, "origin": &req.Origin, "role": &req.Role, "card": &req.Card, "alg": &req.Alg, "hash": &req.Hash, "nonce": &req.Nonce} {
		if x := r.Get(k); x.Type() == js.TypeString {
			*p = x.String()
		}
	}
	err = req.Check()
	var digest []byte
	if req.Type == pageapi.TypeSign {
		digest, _, _ = req.Digest()
	}
	consentRun.mu.Lock()
	consentRun.req = &req
	consentRun.mu.Unlock()
	a.update(func(s *ui.State) {
		s.Consent.Kind, s.Consent.Origin, s.Consent.Alg, s.Consent.Hash = req.Type, req.Origin, req.Alg, digest
	})
	if err != nil {
		code := pageapi.FromError(err) // AUTH_KEY_NOT_FOR_SIGNING keeps its code
		if code == pageapi.Internal {
			code = pageapi.BadRequest
		}
		a.consentFail(code, err)
		return
	}
	go func() {
		for range time.Tick(20 * time.Second) {
			v, err := workerCall(map[string]any{"type": "ponte-consent-alive", "id": id})
			if a.ctl.ConsentAnswered() {
				return
			}
			if err == nil && !v.Get("pending").Bool() { // timed out, or the worker restarted and forgot it
				a.ctl.Do(ctrl.ConsentExpired{})
				return
			}
		}
	}()
}

// consentReady runs once the host answered: the card and the certificate of the requested role.
func (a *app) consentReady() {
	<-consentRun.loaded
	consentRun.mu.Lock()
	req := consentRun.req
	consentRun.mu.Unlock()
	if req == nil || a.ctl.ConsentAnswered() {
		return
	}
	card, certID, code, err := ctrl.ConsentCard(req, a.state().Readers)
	if card == nil {
		a.consentFail(code, err)
		return
	}
	cert, err := signjob.Pick(card, certID, a.profileAnchors(), time.Now())
	if err != nil {
		a.consentFail(pageapi.NoCertificate, err)
		return
	}
	consentRun.mu.Lock()
	consentRun.card, consentRun.cert = card, cert
	consentRun.mu.Unlock()
	var warnings []ui.Bilingual
	if req.Type == pageapi.TypeSign { // what the user must know about a signature, not a login or a hand-over
		warnings = certWarnings(cert)
	}
	x := cert.Choice.Certificate
	a.update(func(s *ui.State) {
		c := s.Consent
		c.Screen, c.CertName, c.CertRole, c.CertUntil = ui.ConsentConfirm, cert.Holder(), cert.Info.Role, itime.Date(x.NotAfter)
		c.KeyType, c.KeyBits, c.Warnings, c.PIN = cert.Info.KeyType, cert.Info.KeyBits, warnings, ctrl.PINViewOf(card)
	})
}

// Sign: one PIN try (the page gets WRONG_PIN and may ask again), the context-specific PIN when the key
// wants it, one signature over the page's digest (or, for a login, over the origin-bound structure).
func (p consentPeer) Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) (map[string]any, *protocol.PINStatus, error) {
	consentRun.mu.Lock()
	req, card, cert := consentRun.req, consentRun.card, consentRun.cert
	consentRun.mu.Unlock()
	pub := cert.Choice.Certificate.PublicKey
	var digest []byte
	var hash crypto.Hash
	var authAlg string
	var err error
	if req.Type == pageapi.TypeAuthenticate {
		digest, hash, authAlg, err = req.AuthDigest(pub)
	} else {
		digest, hash, err = req.Digest()
	}
	if err != nil {
		pin.Wipe()
		return nil, nil, err
	}
	sig, status, err := p.a.cardSign(ctx, card, cert, pin, func() ([]byte, crypto.SignerOpts, error) { return digest, hash, nil }, ctxPIN)
	if err != nil {
		return nil, status, err
	}
	sig64, cert64 := base64.StdEncoding.EncodeToString(sig), base64.StdEncoding.EncodeToString(cert.Choice.Certificate.Raw)
	if req.Type == pageapi.TypeAuthenticate {
		// The token of examples/page-api/authverify (docs/page-api.md, "authenticate").
		return map[string]any{"card": card.ID, "format": authverify.Format, "algorithm": authAlg, "signature": sig64, "certificate": cert64}, nil, nil
	}
	alg := "RSASSA-PKCS1-v1_5"
	if _, ok := pub.(*ecdsa.PublicKey); ok {
		alg = "ECDSA"
	}
	return map[string]any{"card": card.ID, "role": cert.Info.Role, "alg": req.Alg, "signatureAlgorithm": alg, "signature": sig64, "certificate": cert64}, nil, nil
}

// GiveCertificate: the holder lets the page read the certificate; with "ricorda per questo sito" ticked
// the origin goes on the remembered list (revocable in the options page) first.
func (consentPeer) GiveCertificate() error {
	consentRun.mu.Lock()
	req := consentRun.req
	consentRun.mu.Unlock()
	if el := byID("consent-remember"); !el.Truthy() || !el.Get("checked").Bool() {
		return nil
	}
	return editList(rememberedKey, func(list []string) []string {
		if slices.Contains(list, req.Origin) {
			return list
		}
		return append(list, req.Origin)
	})
}

func init() {
	consentRun.loaded = make(chan struct{})
	pageOpen["consent"] = func(a *app) {
		a.update(func(s *ui.State) { s.Consent = &ui.Consent{Screen: ui.ConsentLoading} })
		a.consentOpen()
	}
	pageStart["consent"] = func(a *app) {
		arm := js.FuncOf(func(_ js.Value, args []js.Value) any {
			ev := ""
			if len(args) > 0 {
				ev = args[0].Get("type").String()
			}
			go a.consentArm(ev)
			return nil
		})
		for _, ev := range []string{"focus", "blur"} {
			js.Global().Call("addEventListener", ev, arm)
		}
		js.Global().Get("document").Call("addEventListener", "visibilitychange", arm)
		go a.consentArm("open")
		a.consentReady()
	}
	actions["consent-sign"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.ConsentConfirm{PIN: takeValue("consent-pin")}) }
	actions["consent-ctxpin"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.ContextPIN{PIN: takeValue("consent-pin2")}) }
	actions["consent-cancel"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.ConsentCancel{}) }
	fxHooks = append(fxHooks, func(a *app, fx *ctrl.Effects) { fx.Consent = consentPeer{a} })
	actions["consent-close"] = func(a *app, _ js.Value) { js.Global().Call("close") }
}
