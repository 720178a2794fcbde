package ui

import (
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/pageapi"
)

// The options page in every state, in both languages, with no missing message; every origin error key
// the options page can show is in the catalogue.
func TestOptionsScreens(t *testing.T) {
	keys := []string{pageapi.KeyOriginEmpty, pageapi.KeyOriginInvalid, pageapi.KeyOriginInsecure, pageapi.KeyOriginUnicode, "optionsSaveFailed"}
	for lang, cat := range catalogs(t) {
		states := []Options{{}, {Loaded: true}, {Loaded: true, Origins: []string{"https://firma.example.it", "http://localhost:8080"}, Notice: "optionsAdded", NoticeArg: "http://localhost:8080"}}
		for _, k := range keys {
			states = append(states, Options{Loaded: true, Input: `"><script>`, Error: k, ErrorArg: `"><script>`})
		}
		for _, o := range states {
			html, err := Render(State{Mode: "options", Lang: lang, Options: o}, cat)
			if err != nil {
				t.Fatalf("%s %+v: %v", lang, o, err)
			}
			if strings.Contains(html, "<script>") {
				t.Errorf("%s: typed text not escaped:\n%s", lang, html)
			}
			for _, origin := range o.Origins {
				if !strings.Contains(html, `data-origin="`+origin+`"`) {
					t.Errorf("%s: %s not listed", lang, origin)
				}
			}
		}
	}
}

// The consent window in every screen: the origin is always shown once the request is known.
func TestConsentScreens(t *testing.T) {
	base := Consent{Origin: "https://firma.example.it", Alg: "SHA-256", Hash: make([]byte, 32),
		CertName: "ROSSI MARIO", CertRole: "signature", CertUntil: "29/12/2027", KeyType: "RSA", KeyBits: 2048}
	for lang, cat := range catalogs(t) {
		for _, kind := range []string{"sign", "authenticate", "certificate"} {
			for _, armed := range []bool{false, true} {
				for _, screen := range []ConsentScreen{"loading", "confirm", "ctxpin", "signing", "done", "failed", "expired"} {
					for _, pin := range []PINView{{}, {FinalTry: true}, {Locked: true}, {PINPad: true}} {
						c := base
						c.Kind, c.Armed, c.Screen, c.PIN = kind, armed, screen, pin
						if screen == "failed" {
							c.Code, c.CodeKey, c.Error = string(pageapi.WrongPIN), pageapi.WrongPIN.MessageKey(), &Bilingual{IT: "PIN errato", EN: "Wrong PIN"}
						}
						for _, conn := range []Conn{Connecting, Connected, Failed} {
							html, err := Render(State{Mode: "consent", Lang: lang, Conn: conn, Consent: &c, Problem: &Problem{Detail: "x"}}, cat)
							if err != nil {
								t.Fatalf("%s %s: %v", lang, screen, err)
							}
							shown := strings.Contains(html, `id="consent-origin">https://firma.example.it<`)
							if shown != (screen != "loading" && screen != "expired") {
								t.Errorf("%s %s: origin shown %v", lang, screen, shown)
							}
							if screen != "confirm" {
								continue
							}
							// A signature or a login asks the PIN; the certificate never does, and offers "ricorda".
							if hasPIN := strings.Contains(html, `id="consent-pin"`); hasPIN != (kind != "certificate" && !pin.Locked && !pin.PINPad) {
								t.Errorf("%s %s %+v: PIN field %v", lang, kind, pin, hasPIN)
							}
							if remember := strings.Contains(html, `id="consent-remember"`); remember != (kind == "certificate") {
								t.Errorf("%s %s: remember box %v", lang, kind, remember)
							}
							// A login names the holder and shows no digest: nothing the page chose is signed.
							if kind == "authenticate" && (!strings.Contains(html, `id="consent-as"`) || !strings.Contains(html, "ROSSI MARIO") || strings.Contains(html, `id="consent-hash"`)) {
								t.Errorf("%s: the login window does not say log in to the origin as the holder:\n%s", lang, html)
							}
							// The confirm button is off until the window has been shown for a moment.
							if confirm := strings.Contains(html, `id="consent-confirm"`); confirm {
								if off := strings.Contains(html, `data-armed="false" disabled`); off == armed {
									t.Errorf("%s %s: armed %v, button disabled %v", lang, kind, armed, off)
								}
							}
						}
					}
				}
			}
		}
	}
	c := Consent{Hash: []byte{0x89, 0x4f, 0x46, 0x78, 0x23, 0x0a, 0x9b, 0x35, 0x65}}
	if got := strings.Join(c.HashGroups(), " "); got != "894F4678 230A9B35 65" {
		t.Errorf("HashGroups %q", got)
	}
}
