package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
)

func TestFirefoxModuleNames(t *testing.T) {
	d := protocol.DiagnoseResult{Readers: []protocol.Reader{
		{Name: "R1", Card: &protocol.Card{ID: "a", Token: &protocol.Token{Driver: "bit4id-xpki", Module: "/usr/lib/libbit4xpki.so"}}},
		{Name: "R2", Card: &protocol.Card{ID: "b", Token: &protocol.Token{Module: "/usr/lib/softhsm/libsofthsm2.so"}}},
		{Name: "R3", Card: &protocol.Card{ID: "c", Token: &protocol.Token{Driver: "bit4id-xpki", Module: "/usr/lib/libbit4xpki.so"}}},
		{Name: "R4", Card: &protocol.Card{ID: "d"}},
		{Name: "R5"},
	}}
	want := []string{"it.ponte.bit4id_xpki", "it.ponte.libbit4xpki", "it.ponte.libsofthsm2"}
	if got := FirefoxModuleNames(d); !reflect.DeepEqual(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
}

// In Firefox with browser.pkcs11 the setup page offers the button, then lists the module's slots and token.
func TestSetupFirefoxRenders(t *testing.T) {
	for lang, cat := range catalogs(t) {
		s := State{Mode: "setup", Lang: lang, Conn: Connected, Setup: Setup{Loaded: true, Browser: "firefox", PKCS11: true,
			Firefox: FirefoxModule{Names: []string{"it.ponte.opensc"}, Error: "x"}}}
		html, err := Render(s, cat)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, `data-action="setup-ff-register"`) || !strings.Contains(html, "it.ponte.opensc") || !strings.Contains(html, `id="ff-error"`) {
			t.Errorf("%s: no register button:\n%s", lang, html)
		}
		s.Setup.Firefox = FirefoxModule{Names: []string{"it.ponte.opensc"}, Name: "it.ponte.opensc", Installed: true,
			Slots: []FirefoxSlot{{Name: "SoftHSM slot ID 0x1", Token: "ROSSI MARIO"}, {Name: "Empty slot"}}}
		html, err = Render(s, cat)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, "setup-ff-register") || !strings.Contains(html, `data-token="ROSSI MARIO"`) || strings.Count(html, `class="ff-slot"`) != 2 {
			t.Errorf("%s: slots not listed:\n%s", lang, html)
		}
	}
}
