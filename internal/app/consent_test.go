package app

import (
	"context"
	"sync"
	"testing"

	"github.com/ponte-it/ponte/internal/pageapi"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

type fakePeer struct {
	*calls
	gate    gate
	askPIN  bool
	login   *protocol.PINStatus
	err     error
	mu      sync.Mutex
	answers []map[string]any
}

func (f *fakePeer) Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) (map[string]any, *protocol.PINStatus, error) {
	f.add("sign", pin)
	if err := f.gate.pass(ctx); err != nil {
		return nil, nil, err
	}
	if f.login != nil {
		return nil, f.login, f.err
	}
	if f.askPIN {
		if _, err := ctxPIN(); err != nil {
			return nil, nil, err
		}
	}
	return map[string]any{"signature": "c2ln"}, nil, f.err
}

func (f *fakePeer) GiveCertificate() error { f.add("certificate"); return nil }

func (f *fakePeer) Answer(a map[string]any, keepOpen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, a)
}

func (f *fakePeer) only(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.answers) != 1 {
		t.Fatalf("%d answers to the page: %v", len(f.answers), f.answers)
	}
	return f.answers[0]
}

func consentWindow(t *testing.T, kind string, f *fakePeer) *harness {
	h := newHarness(t, ui.State{Mode: "consent", Lang: "it", Conn: ui.Connected, Consent: &ui.Consent{Screen: ui.ConsentLoading}},
		Effects{Consent: f})
	h.do(Edit(func(s *ui.State) {
		s.Consent.Kind, s.Consent.Origin, s.Consent.Screen = kind, "https://firma.example.it", ui.ConsentConfirm
	}))
	return h
}

func arm(on bool) Action { return Edit(func(s *ui.State) { s.Consent.Armed = on }) }

func TestConsentSignOnceArmedOnly(t *testing.T) {
	f := &fakePeer{calls: &calls{}, gate: make(gate)}
	h := consentWindow(t, pageapi.TypeSign, f)
	early := protocol.Secret("12345")
	if s := h.do(ConsentConfirm{PIN: early}); s.Consent.Screen != ui.ConsentConfirm || !wiped(early) {
		t.Fatal("a click before the window was armed was taken")
	}
	h.do(arm(true))
	h.do(ConsentConfirm{PIN: protocol.Secret("12345")})
	h.do(ConsentConfirm{PIN: protocol.Secret("12345")}) // the double click
	close(f.gate)
	h.until("done", func(s ui.State) bool { return s.Consent.Screen == ui.ConsentDone })
	h.idle()
	if a := f.only(t); a["ok"] != true || f.count("sign") != 1 {
		t.Errorf("answer %v, calls %v", a, f.log)
	}
	h.do(ConsentCancel{}) // after the answer: nothing more goes to the page
	f.only(t)
	if !h.c.ConsentAnswered() {
		t.Error("not answered")
	}
}

func TestConsentWrongPIN(t *testing.T) {
	f := &fakePeer{calls: &calls{}, login: &protocol.PINStatus{CountLow: true}, err: &protocol.Error{Code: protocol.ErrPINIncorrect, Retriable: true}}
	h := consentWindow(t, pageapi.TypeAuthenticate, f)
	h.do(arm(true))
	h.do(ConsentConfirm{PIN: protocol.Secret("00000")})
	s := h.until("failed", func(s ui.State) bool { return s.Consent.Screen == ui.ConsentFailed })
	if a := f.only(t); a["code"] != string(pageapi.WrongPIN) || s.Consent.Code != string(pageapi.WrongPIN) || !s.Consent.PIN.CountLow {
		t.Errorf("answer %v, consent %+v", a, s.Consent)
	}
}

// Annulla on the second PIN screen: the page gets USER_CANCELLED, once; the card's late answer is
// dropped.
func TestConsentCancelMidSignature(t *testing.T) {
	f := &fakePeer{calls: &calls{}, askPIN: true}
	h := consentWindow(t, pageapi.TypeSign, f)
	h.do(arm(true))
	h.do(ConsentConfirm{PIN: protocol.Secret("12345")})
	h.until("ctxpin", func(s ui.State) bool { return s.Consent.Screen == ui.ConsentCtxPIN })
	s := h.do(ConsentCancel{})
	h.dropped()
	if a := f.only(t); a["code"] != string(pageapi.UserCancelled) || s.Consent.Screen != ui.ConsentFailed {
		t.Errorf("answer %v, screen %q", a, s.Consent.Screen)
	}
	h.do(ConsentExpired{})
	if s := h.c.State(); s.Consent.Screen != ui.ConsentFailed {
		t.Errorf("expiry after the answer moved the screen to %q", s.Consent.Screen)
	}
}

func TestConsentCertificateAndFailures(t *testing.T) {
	f := &fakePeer{calls: &calls{}}
	h := consentWindow(t, pageapi.TypeCertificate, f)
	h.do(arm(true))
	if s := h.do(ConsentConfirm{}); s.Consent.Screen != ui.ConsentDone || f.count("certificate") != 1 || f.count("sign") != 0 {
		t.Errorf("certificate: %q, calls %v", s.Consent.Screen, f.log)
	}
	f.only(t)

	g := &fakePeer{calls: &calls{}}
	h = consentWindow(t, pageapi.TypeSign, g)
	s := h.do(ConsentFail{Code: pageapi.NoCard})
	h.do(ConsentFail{Code: pageapi.NoCertificate})
	if a := g.only(t); a["code"] != string(pageapi.NoCard) || s.Consent.Screen != ui.ConsentFailed {
		t.Errorf("no card: %v, %q", a, s.Consent.Screen)
	}

	e := &fakePeer{calls: &calls{}}
	h = consentWindow(t, pageapi.TypeSign, e)
	if s := h.do(ConsentExpired{}); s.Consent.Screen != ui.ConsentExpired || !h.c.ConsentAnswered() {
		t.Errorf("expired: %q", s.Consent.Screen)
	}
	h.do(arm(true))
	h.do(ConsentConfirm{PIN: protocol.Secret("12345")})
	if e.count("sign") != 0 {
		t.Error("an expired request was signed")
	}
}

// The card and certificate a request is served with, or the code the page gets.
func TestConsentCard(t *testing.T) {
	w := newWorld(t)
	shared := *w.card // one key under both certificates: the signature role would sign with the CNS key
	shared.ID = "shared"
	shared.Certificates = []protocol.Certificate{w.card.Certificates[0], w.card.Certificates[0]}
	shared.Certificates[1].ID, shared.Certificates[1].Role = "09", "signature"
	noToken := &protocol.Card{ID: "bare", Certificates: w.card.Certificates}
	readers := []protocol.Reader{{Name: "empty"}, {Card: noToken}, {Card: w.card}, {Card: &shared}}
	for _, c := range []struct {
		req      pageapi.SignRequest
		card, id string
		code     pageapi.Code
	}{
		{pageapi.SignRequest{Type: pageapi.TypeSign, Role: "signature"}, "card1", "02", ""},
		{pageapi.SignRequest{Type: pageapi.TypeAuthenticate, Role: "cns"}, "card1", "01", ""},
		{pageapi.SignRequest{Type: pageapi.TypeSign, Role: "signature", Card: "bare"}, "", "", pageapi.NoCard},
		{pageapi.SignRequest{Type: pageapi.TypeSign, Role: "other"}, "", "", pageapi.NoCertificate},
		{pageapi.SignRequest{Type: pageapi.TypeSign, Role: "signature", Card: "shared"}, "", "", pageapi.AuthKeyNotForSigning},
		{pageapi.SignRequest{Type: pageapi.TypeCertificate, Role: "signature", Card: "shared"}, "shared", "09", ""},
	} {
		card, id, code, _ := ConsentCard(&c.req, readers)
		got := ""
		if card != nil {
			got = card.ID
		}
		if got != c.card || id != c.id || code != c.code {
			t.Errorf("%+v: card %q cert %q code %q", c.req, got, id, code)
		}
	}
}
