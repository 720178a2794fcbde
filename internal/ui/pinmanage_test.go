package ui

import (
	htmlpkg "html"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// The new PIN's length is the CNS rule (5–8 digits), narrowed by what the token says, never widened;
// a new PIN that is not all digits, of the wrong length, or typed differently twice is refused.
func TestNewPINRules(t *testing.T) {
	for _, c := range []struct {
		p        protocol.PINStatus
		min, max int
	}{
		{protocol.PINStatus{}, 5, 8},
		{protocol.PINStatus{MinLen: 4, MaxLen: 255}, 5, 8}, // SoftHSM's limits
		{protocol.PINStatus{MinLen: 6, MaxLen: 8}, 6, 8},
		{protocol.PINStatus{MinLen: 5, MaxLen: 6}, 5, 6},
		{protocol.PINStatus{MinLen: 9, MaxLen: 3}, 5, 8}, // nonsense: ignored
	} {
		if lo, hi := NewPINRule(c.p); lo != c.min || hi != c.max {
			t.Errorf("%+v: %d–%d, want %d–%d", c.p, lo, hi, c.min, c.max)
		}
	}
	for _, c := range []struct{ pin, again, want string }{
		{"12345", "12345", ""},
		{"12345678", "12345678", ""},
		{"1234", "1234", "pinNewLength"},
		{"123456789", "123456789", "pinNewLength"},
		{"12a45", "12a45", "pinNewLength"},
		{"12345", "12346", "pinNewMismatch"},
		{"", "", "pinNewLength"},
	} {
		if got := CheckNewPIN([]byte(c.pin), []byte(c.again), 5, 8); got != c.want {
			t.Errorf("%q/%q: %q, want %q", c.pin, c.again, got, c.want)
		}
	}
}

// The card list offers PIN change and unblock for a card with a PKCS#11 token, SBLOCCA IL PIN when it
// is blocked, a note for a PIN-pad reader; the PIN screen renders every state in both languages, with
// the tries warning of the secret it asks and no form when the PUK is locked.
func TestPINScreens(t *testing.T) {
	card := func(p protocol.PINStatus) *protocol.Card {
		return &protocol.Card{ID: "c1", Holder: &protocol.Holder{Surname: "ROSSI", Name: "MARIO"}, Token: &protocol.Token{PIN: p}}
	}
	for lang, cat := range catalogs(t) {
		list := func(p protocol.PINStatus) string {
			html, err := Render(State{Mode: "app", Lang: lang, Conn: Connected, CardsLoaded: true,
				Readers: []protocol.Reader{{Name: "R", Card: card(p)}}}, cat)
			if err != nil {
				t.Fatal(err)
			}
			return html
		}
		if h := list(protocol.PINStatus{}); !strings.Contains(h, `data-action="pin-change"`) || strings.Contains(h, `id="pin-blocked"`) {
			t.Errorf("%s: a working PIN: change offered, not blocked", lang)
		}
		if h := list(protocol.PINStatus{Locked: true}); !strings.Contains(h, `id="pin-blocked"`) || strings.Contains(h, `data-action="pin-change"`) {
			t.Errorf("%s: a blocked PIN: unblock only", lang)
		}
		if h := list(protocol.PINStatus{PINPad: true}); strings.Contains(h, `data-action="pin-`) {
			t.Errorf("%s: PIN-pad reader: no buttons", lang)
		}
		// A renewal's PIN screen that finds the PIN blocked leads to the unblock screen of that card.
		html, err := Render(State{Mode: "app", Lang: lang, Conn: Connected, Flow: &Flow{Screen: "pin", CardID: "c1", PIN: PINView{Locked: true}}}, cat)
		if err != nil || !strings.Contains(html, `data-action="pin-unblock" data-card="c1"`) || strings.Contains(html, `id="pin"`) {
			t.Errorf("%s: renewal with a blocked PIN: no way to unblock it (%v)", lang, err)
		}
		for _, m := range []PINManage{
			{Unblock: false},
			{Unblock: true},
			{Unblock: false, PIN: PINView{FinalTry: true, CountLow: true}, Error: &Bilingual{Words: []words.Message{words.M(protocol.ErrPINIncorrect)}}},
			{Unblock: true, PIN: PINView{PUKCountLow: true}, Problem: "pinNewMismatch"},
			{Unblock: false, Problem: "pinNewLength"},
			{Unblock: true, PIN: PINView{PUKLocked: true}},
			{Unblock: false, PIN: PINView{Locked: true}},
			{Unblock: true, Done: true},
			{Unblock: false, Done: true},
		} {
			m.CardID, m.Holder, m.MinLen, m.MaxLen = "c1", "ROSSI MARIO", 5, 8
			html, err := Render(State{Mode: "app", Lang: lang, Conn: Connected, PINManage: &m}, cat)
			if err != nil {
				t.Fatalf("%s %+v: %v", lang, m, err)
			}
			form := strings.Contains(html, `data-action="pin-manage-submit"`)
			switch {
			case !strings.Contains(html, `id="pinmanage"`):
				t.Errorf("%s %+v: not drawn", lang, m)
			case m.Done && (!strings.Contains(html, `id="pin-manage-done"`) || form):
				t.Errorf("%s %+v: done", lang, m)
			case m.PIN.PUKLocked && m.Unblock && (form || !strings.Contains(html, `id="puk-locked"`)):
				t.Errorf("%s %+v: PUK locked still offers the form", lang, m)
			case m.PIN.Locked && !m.Unblock && (form || !strings.Contains(html, `data-action="pin-unblock"`)):
				t.Errorf("%s %+v: blocked PIN asked for the current PIN", lang, m)
			case !m.Done && !m.PIN.Locked && !m.PIN.PUKLocked && (!form || strings.Contains(html, `id="pm-puk"`) != m.Unblock):
				t.Errorf("%s %+v: form", lang, m)
			case m.Problem == "pinNewLength" && !strings.Contains(html, htmlpkg.EscapeString(must(cat.T("pinNewLength", 5, 8)))):
				t.Errorf("%s: length limits not said", lang)
			case m.PIN.FinalTry && !m.Unblock && !strings.Contains(html, `id="final-try"`):
				t.Errorf("%s: final try not said", lang)
			case m.PIN.PUKCountLow && m.Unblock && !strings.Contains(html, `id="puk-count-low"`):
				t.Errorf("%s: PUK tries not said", lang)
			}
		}
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
