package app

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/ui"
)

// fakeSigner is the card's signature and the file's saving, with gates.
type fakeSigner struct {
	*calls
	gate     gate
	askPIN   bool // the key wants the context-specific PIN
	ctxPINs  []string
	login    *protocol.PINStatus
	err      error
	finish   []error // each Finish's error, in turn
	mu       sync.Mutex
	finished []bool // dropTimeStamp of each Finish
}

func (f *fakeSigner) Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) ([]byte, *protocol.PINStatus, error) {
	f.add("sign", pin)
	pin.Wipe()
	if err := f.gate.pass(ctx); err != nil {
		return nil, nil, err
	}
	if f.login != nil {
		return nil, f.login, f.err
	}
	if f.askPIN {
		p, err := ctxPIN()
		if err != nil {
			return nil, nil, err
		}
		f.mu.Lock()
		f.ctxPINs = append(f.ctxPINs, string(p))
		f.mu.Unlock()
	}
	return []byte("signature"), nil, f.err
}

func (f *fakeSigner) Finish(ctx context.Context, sig []byte, drop bool) (string, error) {
	f.add("finish")
	f.mu.Lock()
	defer f.mu.Unlock()
	if string(sig) != "signature" {
		return "", errors.New("not the card's signature")
	}
	f.finished = append(f.finished, drop)
	var err error
	if len(f.finish) > 0 {
		err, f.finish = f.finish[0], f.finish[1:]
	}
	return "a-firmato.pdf", err
}

func signPage(t *testing.T, f *fakeSigner) *harness {
	h := newHarness(t, ui.State{Mode: "sign", Lang: "it", Conn: ui.Connected, Sign: &ui.SignState{Screen: ui.SignChoose, TSA: "http://tsa"}},
		Effects{Signer: f})
	// The page's own steps: the file chosen, read and hashed, the job prepared.
	h.do(SignShow(func(g *ui.SignState) { g.Screen, g.FileName = ui.SignConfirm, "a.pdf" }))
	return h
}

func TestSignScreensDoubleClick(t *testing.T) {
	f := &fakeSigner{calls: &calls{}, gate: make(gate)}
	h := signPage(t, f)
	if s := h.do(SignWithPIN{PIN: protocol.Secret("12345")}); s.Sign.Screen != ui.SignSigning {
		t.Fatalf("PIN sent: %q", s.Sign.Screen)
	}
	second := protocol.Secret("12345")
	h.do(SignWithPIN{PIN: second})
	if !wiped(second) {
		t.Error("the second click's PIN was kept")
	}
	// The page's steps cannot move the screen while the card works.
	h.do(SignShow(func(g *ui.SignState) { g.Screen = ui.SignChoose }))
	close(f.gate)
	s := h.until("done", func(s ui.State) bool { return s.Sign.Screen == ui.SignDone })
	h.idle()
	if f.count("sign") != 1 || f.count("finish") != 1 || s.Sign.Output != "a-firmato.pdf" {
		t.Errorf("calls %v, output %q", f.log, s.Sign.Output)
	}
}

func TestSignWrongPINAndContextPIN(t *testing.T) {
	f := &fakeSigner{calls: &calls{}, login: &protocol.PINStatus{FinalTry: true}, err: &protocol.Error{Code: protocol.ErrPINIncorrect}}
	h := signPage(t, f)
	h.do(SignWithPIN{PIN: protocol.Secret("00000")})
	s := h.until("back to the PIN", func(s ui.State) bool { return s.Sign.Screen == ui.SignConfirm })
	if s.Sign.Error == nil || !s.Sign.PIN.FinalTry {
		t.Errorf("wrong PIN: %+v", s.Sign)
	}
	f.login, f.err, f.askPIN = nil, nil, true
	stray := protocol.Secret("99999")
	h.do(ContextPIN{PIN: stray}) // none asked: wiped
	if !wiped(stray) {
		t.Error("a context PIN nobody asked for was kept")
	}
	h.idle()
	h.do(SignWithPIN{PIN: protocol.Secret("12345")})
	h.until("the second PIN screen", func(s ui.State) bool { return s.Sign.Screen == ui.SignCtxPIN })
	h.do(ContextPIN{PIN: protocol.Secret("12345")})
	h.until("done", func(s ui.State) bool { return s.Sign.Screen == ui.SignDone })
	if len(f.ctxPINs) != 1 || f.ctxPINs[0] != "12345" || f.count("sign") != 2 {
		t.Errorf("context PINs %v, calls %v", f.ctxPINs, f.log)
	}
}

// The TSA fails after the card signed: retry and "without time stamp" reuse the one card signature.
func TestSignTimeStampFailure(t *testing.T) {
	tsErr := signerr.New(signerr.TimeStamp, "TSA non raggiungibile", "TSA unreachable", nil)
	f := &fakeSigner{calls: &calls{}, finish: []error{tsErr, tsErr, nil}}
	h := signPage(t, f)
	h.do(SignWithPIN{PIN: protocol.Secret("12345")})
	s := h.until("tsfail", func(s ui.State) bool { return s.Sign.Screen == ui.SignTSFail })
	if s.Sign.Error == nil {
		t.Error("no reason on the tsfail screen")
	}
	h.do(SignRetryTimeStamp{})
	h.until("tsfail again", func(s ui.State) bool { return s.Sign.Screen == ui.SignTSFail })
	h.idle()
	h.do(SignDropTimeStamp{})
	h.until("done", func(s ui.State) bool { return s.Sign.Screen == ui.SignDone })
	h.idle()
	if f.count("sign") != 1 || len(f.finished) != 3 || f.finished[2] != true || f.finished[1] != false {
		t.Errorf("calls %v, finishes %v", f.log, f.finished)
	}
	if s := h.do(SignDropTimeStamp{}); f.count("finish") != 3 || s.Sign.Screen != ui.SignDone {
		t.Error("a stray choice finished the file again")
	}
}

// Annulla while the card works (or the card removed): back to the choice; the late answer is dropped.
func TestSignResetMidFlowAndCardRemoved(t *testing.T) {
	f := &fakeSigner{calls: &calls{}, askPIN: true}
	h := signPage(t, f)
	h.do(SignWithPIN{PIN: protocol.Secret("12345")})
	h.until("the second PIN screen", func(s ui.State) bool { return s.Sign.Screen == ui.SignCtxPIN })
	s := h.do(SignReset{})
	if s.Sign.Screen != ui.SignChoose || s.Sign.TSA != "http://tsa" {
		t.Fatalf("reset: %+v", s.Sign)
	}
	h.dropped()
	if s := h.c.State(); s.Sign.Screen != ui.SignChoose || f.count("finish") != 0 {
		t.Errorf("after the late answer: %q, calls %v", s.Sign.Screen, f.log)
	}
	f.askPIN, f.err = false, &protocol.Error{Code: protocol.ErrCardRemoved, Retriable: true}
	h.do(SignShow(func(g *ui.SignState) { g.Screen = ui.SignConfirm }))
	h.do(SignWithPIN{PIN: protocol.Secret("12345")})
	s = h.until("error", func(s ui.State) bool { return s.Sign.Screen == ui.SignError })
	if s.Sign.Error == nil || f.count("finish") != 0 {
		t.Errorf("card removed: %+v", s.Sign)
	}
}
