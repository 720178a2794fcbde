package app

import (
	"reflect"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
	"github.com/ponte-it/ponte/internal/words"
)

func TestPINChangeScreens(t *testing.T) {
	w := newWorld(t)
	w.cardFx.pinGate = make(gate)
	h := w.app(t)
	if s := h.do(OpenPINManage{Card: "nope"}); s.PINManage != nil {
		t.Fatal("PIN screen for a card not in the list")
	}
	s := h.do(OpenPINManage{Card: "card1"})
	if s.PINManage == nil || s.PINManage.Unblock || s.PINManage.MinLen != 5 || s.PINManage.MaxLen != 8 {
		t.Fatalf("open: %+v", s.PINManage)
	}
	// Refused before the card: mismatch and length; nothing reaches the card, the secrets are wiped.
	old, pin := protocol.Secret("12345"), protocol.Secret("54321")
	s = h.do(SubmitPINManage{Old: old, New: pin, Again: protocol.Secret("54322")})
	if s.PINManage.Problem != "pinNewMismatch" || !wiped(old) || !wiped(pin) {
		t.Errorf("mismatch: problem %q, wiped %v %v", s.PINManage.Problem, wiped(old), wiped(pin))
	}
	if s = h.do(SubmitPINManage{Old: protocol.Secret("12345"), New: protocol.Secret("12a45"), Again: protocol.Secret("12a45")}); s.PINManage.Problem != "pinNewLength" {
		t.Errorf("letters: problem %q", s.PINManage.Problem)
	}
	// A double click while the card works: one try.
	h.do(SubmitPINManage{Old: protocol.Secret("12345"), New: protocol.Secret("54321"), Again: protocol.Secret("54321")})
	second := protocol.Secret("12345")
	if s = h.do(SubmitPINManage{Old: second, New: protocol.Secret("54321"), Again: protocol.Secret("54321")}); !s.PINManage.Busy || !wiped(second) {
		t.Errorf("second click: busy %v, wiped %v", s.PINManage.Busy, wiped(second))
	}
	close(w.cardFx.pinGate)
	s = h.until("done", func(s ui.State) bool { return s.PINManage.Done })
	h.idle()
	if w.calls.count("change") != 1 || s.PINManage.Busy || s.PINManage.Error != nil {
		t.Errorf("calls %v, state %+v", w.calls.log, s.PINManage)
	}
	if got := w.calls.pins; len(got) != 2 || got[0] != "12345" || got[1] != "54321" {
		t.Errorf("the card was given %v", got)
	}
	if s = h.do(SubmitPINManage{Old: protocol.Secret("54321"), New: protocol.Secret("11111"), Again: protocol.Secret("11111")}); w.calls.count("change") != 1 {
		t.Error("the done screen sent the form again")
	}
	if s = h.do(ClosePINManage{}); s.PINManage != nil || w.calls.count("refresh") == 0 {
		t.Errorf("close: %+v", s.PINManage)
	}
}

// A refusal shows the card's words and its flags read again; the card removed mid-change is one.
func TestPINUnblockRefusedAndCardRemoved(t *testing.T) {
	w := newWorld(t)
	w.card.Token.PIN = protocol.PINStatus{PUKFinalTry: true}
	w.cardFx.pinErr = &protocol.Error{Code: protocol.ErrPUKLocked}
	h := w.app(t)
	h.do(OpenPINManage{Card: "card1", Unblock: true})
	h.do(SubmitPINManage{PUK: protocol.Secret("87654321"), New: protocol.Secret("54321"), Again: protocol.Secret("54321")})
	s := h.until("refused", func(s ui.State) bool { return s.PINManage.Error != nil })
	if !s.PINManage.PIN.PUKLocked || !s.PINManage.PIN.PUKFinalTry || s.PINManage.Done || w.calls.count("unblock") != 1 || w.calls.count("info") != 1 {
		t.Errorf("PUK locked: %+v, calls %v", s.PINManage, w.calls.log)
	}
	w.cardFx.pinErr = &protocol.Error{Code: protocol.ErrCardRemoved, Retriable: true}
	h.idle()
	h.do(SubmitPINManage{PUK: protocol.Secret("87654321"), New: protocol.Secret("54321"), Again: protocol.Secret("54321")})
	s = h.until("card removed", func(s ui.State) bool {
		return s.PINManage.Error != nil && reflect.DeepEqual(s.PINManage.Error.Words, []words.Message{words.M(protocol.ErrCardRemoved)})
	})
	if s.PINManage.Done || s.PINManage.Busy {
		t.Errorf("card removed: %+v", s.PINManage)
	}
}

// Annulla while the card works: the late answer does not draw "PIN cambiato" on the card list.
func TestPINChangeLateAnswerAfterClose(t *testing.T) {
	w := newWorld(t)
	w.cardFx.pinGate = make(gate)
	h := w.app(t)
	h.do(OpenPINManage{Card: "card1"})
	h.do(SubmitPINManage{Old: protocol.Secret("12345"), New: protocol.Secret("54321"), Again: protocol.Secret("54321")})
	if s := h.do(ClosePINManage{}); s.PINManage != nil {
		t.Fatal("not closed")
	}
	h.do(OpenPINManage{Card: "card1", Unblock: true})
	close(w.cardFx.pinGate)
	h.dropped()
	if s := h.c.State(); s.PINManage == nil || s.PINManage.Done || !s.PINManage.Unblock || s.PINManage.Busy {
		t.Errorf("after the late answer: %+v", s.PINManage)
	}
}
