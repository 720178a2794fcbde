package ui

import (
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
)

// The setup page renders with and without a card, every browser-login answer, in both languages.
func TestSetupRenders(t *testing.T) {
	card := &protocol.Card{ID: "C1", Family: protocol.Family{Sigla: "ST 2021", Name: "STMicroelectronics", Drivers: []string{"safedive"}, Known: true},
		Holder: &protocol.Holder{Surname: "ROSSI", Name: "MARIO"}, Token: &protocol.Token{Module: "/usr/lib/x.so", Driver: "safedive"},
		Certificates: []protocol.Certificate{{Role: "cns", KeyBits: 2048, KeyType: "RSA", NotAfter: "2027-01-01T00:00:00Z"}, {Role: "signature", KeyBits: 2048, NotAfter: "2027-01-01T00:00:00Z"}}}
	withCard := protocol.DiagnoseResult{PCSC: protocol.ServiceStatus{OK: true}, Readers: []protocol.Reader{{Name: "vpcd 0", Card: card}},
		Drivers: []protocol.DriverStatus{{Driver: "safedive", Product: "SafeDive", Installed: true, Path: "/usr/lib/x.so", Loads: true, Tokens: 1}},
		Advice:  []protocol.Advice{{Level: "ok", IT: "Tutto a posto", EN: "All good"}}}
	noCard := protocol.DiagnoseResult{PCSC: protocol.ServiceStatus{OK: true}, Readers: []protocol.Reader{{Name: "vpcd 0"}}}
	logins := []*protocol.BrowserLoginResult{nil, {Supported: true, Tool: true, Module: "/usr/lib/x.so", DB: "sql:/h/.pki/nssdb"},
		{Supported: true, Tool: true, Registered: true, Done: "registered", DB: "sql:/h/.pki/nssdb"}, {Supported: true}, {Supported: false, Detail: "x"},
		{Supported: true, Tool: true}}
	for lang, cat := range catalogs(t) {
		for _, d := range []protocol.DiagnoseResult{withCard, noCard} {
			for _, l := range logins {
				for _, b := range []string{"chromium", "firefox"} {
					s := State{Mode: "setup", Lang: lang, Conn: Connected, Setup: Setup{Loaded: true, Diag: d, Login: l, Browser: b}}
					html, err := Render(s, cat)
					if err != nil {
						t.Fatalf("%s: %v", lang, err)
					}
					if len(d.Readers[0].Name) > 0 && !strings.Contains(html, "vpcd 0") {
						t.Errorf("%s: reader not shown", lang)
					}
				}
			}
		}
		html, _ := Render(State{Mode: "setup", Lang: lang, Conn: Connected, Setup: Setup{Loaded: true, Diag: withCard, Browser: "chromium"}}, cat)
		for _, w := range []string{"ST 2021", "SafeDive", "safedive", "2048"} {
			if !strings.Contains(html, w) {
				t.Errorf("%s: setup lacks %q", lang, w)
			}
		}
	}
}
