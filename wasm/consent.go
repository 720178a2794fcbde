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
var consentRun struct {
	mu       sync.Mutex
	id       string
	req      *pageapi.SignRequest
	loaded   chan struct{} // closed once the request is known (or known to be gone)
	answered bool
	card     *protocol.Card
	cert     *signjob.Cert
	pin      chan protocol.Secret // the context-specific PIN of the "ctxpin" screen
	armGen   int                  // the activation delay's generation: a blur or a hidden window restarts it
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
	a.mu.Lock()
	if a.state.Consent != nil {
		a.state.Consent.Armed = on
	}
	s, cat := a.state, a.catalogs[a.state.Lang]
	a.mu.Unlock()
	if b := byID("consent-confirm"); b.Truthy() {
		b.Set("disabled", !on)
		b.Get("dataset").Set("armed", fmt.Sprint(on))
	}
	if w := byID("consent-wait"); w.Truthy() {
		w.Set("hidden", on)
	}
	// The page now shows what this state renders: an update that changes nothing else must not redraw
	// (and clear the PIN being typed).
	if html, err := ui.Render(s, cat); err == nil {
		a.mu.Lock()
		a.lastHTML = html
		a.mu.Unlock()
	}
}

// consentArmed reports whether a confirmation may be taken now.
func (a *app) consentArmed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state.Consent != nil && a.state.Consent.Armed
}

// workerCall sends a message to the service worker and returns its reply.
func workerCall(msg map[string]any) (js.Value, error) {
	rt := chromeRuntime()
	if !rt.Truthy() || !rt.Get("sendMessage").Truthy() {
		return js.Undefined(), errors.New("not an extension page")
	}
	return await(rt.Call("sendMessage", msg))
}

// consentAnswer hands the outcome to the worker once; keepOpen leaves the window up so the user reads
// why nothing was signed.
func (a *app) consentAnswer(answer map[string]any, keepOpen bool) {
	consentRun.mu.Lock()
	if consentRun.answered {
		consentRun.mu.Unlock()
		return
	}
	consentRun.answered = true
	id := consentRun.id
	consentRun.mu.Unlock()
	answer["keepOpen"] = keepOpen
	if _, err := workerCall(map[string]any{"type": "ponte-consent-done", "id": id, "answer": answer}); err != nil {
		js_console("consent: " + err.Error())
	}
}

// consentFail answers the page with code and shows it; err, when there is one, in the card's or host's
// words too.
func (a *app) consentFail(code pageapi.Code, err error) {
	detail := string(code)
	if err != nil {
		detail = err.Error()
	}
	a.update(func(s *ui.State) {
		c := s.Consent
		c.Screen, c.Code, c.CodeKey, c.Error = "failed", string(code), code.MessageKey(), nil
		if err != nil {
			c.Error = bilingual(err)
		}
	})
	a.consentAnswer(map[string]any{"ok": false, "code": string(code), "detail": detail}, true)
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
		a.update(func(s *ui.State) { s.Consent.Screen = "expired" })
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
			consentRun.mu.Lock()
			answered := consentRun.answered
			consentRun.mu.Unlock()
			if answered {
				return
			}
			if err == nil && !v.Get("pending").Bool() { // timed out, or the worker restarted and forgot it
				consentRun.mu.Lock()
				consentRun.answered = true
				consentRun.mu.Unlock()
				a.update(func(s *ui.State) { s.Consent.Screen = "expired" })
				return
			}
		}
	}()
}

// consentReady runs once the host answered: the card and the certificate of the requested role.
func (a *app) consentReady() {
	<-consentRun.loaded
	consentRun.mu.Lock()
	req, answered := consentRun.req, consentRun.answered
	consentRun.mu.Unlock()
	if req == nil || answered {
		return
	}
	var card *protocol.Card
	a.mu.Lock()
	for _, r := range a.state.Readers {
		if r.Card != nil && r.Card.Token != nil && (req.Card == "" || r.Card.ID == req.Card) {
			card = r.Card
			break
		}
	}
	a.mu.Unlock()
	if card == nil {
		a.consentFail(pageapi.NoCard, nil)
		return
	}
	certID := ""
	for _, c := range card.Certificates {
		if c.Role == req.Role && c.ID != "" {
			certID = c.ID
			break
		}
	}
	if certID == "" {
		a.consentFail(pageapi.NoCertificate, nil)
		return
	}
	if req.Type == pageapi.TypeSign && pageapi.SignsWithAuthKey(card, certID) {
		a.consentFail(pageapi.AuthKeyNotForSigning, pageapi.ErrAuthKeySigns)
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
		c.Screen, c.CertName, c.CertRole, c.CertUntil = "confirm", cert.Holder(), cert.Info.Role, itime.Date(x.NotAfter)
		c.KeyType, c.KeyBits, c.Warnings, c.PIN = cert.Info.KeyType, cert.Info.KeyBits, warnings, pinView(card)
	})
}

// consentSign: one PIN try (the page gets WRONG_PIN and may ask again), the context-specific PIN when
// the key wants it, one signature over the page's digest.
func (a *app) consentSign() {
	pin := takeValue("consent-pin")
	consentRun.mu.Lock()
	req, card, cert, answered := consentRun.req, consentRun.card, consentRun.cert, consentRun.answered
	consentRun.mu.Unlock()
	if cert == nil || answered || !a.consentArmed() {
		pin.Wipe()
		return
	}
	if req.Type == pageapi.TypeCertificate {
		pin.Wipe()
		a.consentGiveCertificate(req)
		return
	}
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
		a.consentFail(pageapi.FromError(err), err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a.update(func(s *ui.State) { s.Consent.Screen, s.Consent.Error = "signing", nil })
	sig, status, err := a.cardSign(ctx, card, cert, pin, func() ([]byte, crypto.SignerOpts, error) { return digest, hash, nil }, &consentRun.pin,
		func(s *ui.State, screen string) { s.Consent.Screen = screen })
	if status != nil { // the login failed: one try per request
		a.update(func(s *ui.State) {
			s.Consent.PIN = ui.PINView{CountLow: status.CountLow, FinalTry: status.FinalTry, Locked: status.Locked, PINPad: s.Consent.PIN.PINPad}
		})
		a.consentFail(pageapi.FromError(err), err)
		return
	}
	if err != nil {
		consentRun.mu.Lock()
		cancelled := consentRun.answered
		consentRun.mu.Unlock()
		if !cancelled {
			a.consentFail(pageapi.FromError(err), err)
		}
		return
	}
	a.update(func(s *ui.State) { s.Consent.Screen = "done" })
	sig64, cert64 := base64.StdEncoding.EncodeToString(sig), base64.StdEncoding.EncodeToString(cert.Choice.Certificate.Raw)
	if req.Type == pageapi.TypeAuthenticate {
		// The token of examples/page-api/authverify (docs/page-api.md, "authenticate").
		a.consentAnswer(map[string]any{"ok": true, "result": map[string]any{
			"card": card.ID, "format": authverify.Format, "algorithm": authAlg, "signature": sig64, "certificate": cert64,
		}}, false)
		return
	}
	alg := "RSASSA-PKCS1-v1_5"
	if _, ok := pub.(*ecdsa.PublicKey); ok {
		alg = "ECDSA"
	}
	a.consentAnswer(map[string]any{"ok": true, "result": map[string]any{
		"card": card.ID, "role": cert.Info.Role, "alg": req.Alg, "signatureAlgorithm": alg, "signature": sig64, "certificate": cert64,
	}}, false)
}

// consentGiveCertificate: the holder lets the page read the certificate; with "ricorda per questo sito"
// ticked the origin goes on the remembered list (revocable in the options page) first.
func (a *app) consentGiveCertificate(req *pageapi.SignRequest) {
	if el := byID("consent-remember"); el.Truthy() && el.Get("checked").Bool() {
		if err := editList(rememberedKey, func(list []string) []string {
			if slices.Contains(list, req.Origin) {
				return list
			}
			return append(list, req.Origin)
		}); err != nil {
			a.consentFail(pageapi.Internal, err)
			return
		}
	}
	a.update(func(s *ui.State) { s.Consent.Screen = "done" })
	a.consentAnswer(map[string]any{"ok": true, "result": map[string]any{"consented": true}}, false)
}

func init() {
	consentRun.loaded = make(chan struct{})
	pageOpen["consent"] = func(a *app) {
		a.update(func(s *ui.State) { s.Consent = &ui.Consent{Screen: "loading"} })
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
	actions["consent-sign"] = func(a *app, _ js.Value) { a.consentSign() }
	actions["consent-ctxpin"] = func(a *app, _ js.Value) { offerPIN(consentRun.pin, "consent-pin2") }
	actions["consent-cancel"] = func(a *app, _ js.Value) {
		a.update(func(s *ui.State) {
			s.Consent.Screen, s.Consent.Code, s.Consent.CodeKey = "failed", string(pageapi.UserCancelled), pageapi.UserCancelled.MessageKey()
		})
		a.consentAnswer(map[string]any{"ok": false, "code": string(pageapi.UserCancelled), "detail": "the user cancelled"}, false)
	}
	actions["consent-close"] = func(a *app, _ js.Value) { js.Global().Call("close") }
}
