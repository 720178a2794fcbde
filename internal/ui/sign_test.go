package ui

import (
	htmlpkg "html"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/signjob"
)

// Every screen of the Firma page renders in both languages with no missing message, shows the warnings
// and errors in the page's language, and the app page links to it.
func TestSignScreensRender(t *testing.T) {
	warn := Bilingual{IT: "NON è una firma qualificata", EN: "NOT a qualified signature"}
	errb := &Bilingual{IT: "Il file non è un PDF", EN: "The file is not a PDF"}
	views := []signjob.SignerView{{N: 1, Valid: true, Lines: []signjob.Line{{Label: "Firmatario", Value: "ROSSI MARIO"}}}}
	screens := []*SignState{
		{Screen: "choose"},
		{Screen: "choose", TSA: "http://127.0.0.1:1/tsa"},
		{Screen: "working", FileName: "a.pdf"},
		{Screen: "confirm", FileName: "a.pdf", Format: "pades", CertName: "ROSSI MARIO", CertRole: "cns", Warnings: []Bilingual{warn}},
		{Screen: "warn", FileName: "a.txt.p7m", Format: "parallel", CertName: "ROSSI MARIO", CertRole: "cns", Warnings: []Bilingual{warn}},
		{Screen: "confirm", FileName: "a.txt", Format: "p7s", Qualified: true, CertRole: "signature"},
		{Screen: "confirm", Qualified: true, CertRole: "signature", Error: errb, PIN: PINView{FinalTry: true}},
		{Screen: "ctxpin", CertRole: "signature"},
		{Screen: "signing"},
		{Screen: "tsfail", Error: errb},
		{Screen: "done", Output: "a-firmato.pdf"},
		{Screen: "error", Error: errb},
		{Screen: "choose", Verify: &VerifyState{Busy: true, FileName: "x.p7m"}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.p7m", Error: errb}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.p7m", Format: "p7m", Signers: views, Repaired: true}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.p7m", Format: "p7m"}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.pdf.p7m", Format: "p7m", Signers: views, Content: "x.pdf"}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.pdf.p7m", Format: "p7m", Signers: views, Content: "x.pdf", ContentDoubt: true, ContentSaved: true}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.pdf", Format: "pdf", Signers: views, Modified: map[int]bool{1: true}, Revisions: map[int]bool{1: true}}},
		{Screen: "choose", Verify: &VerifyState{FileName: "x.pdf", Format: "pdf", Signers: views, Revisions: map[int]bool{1: true}}},
	}
	for lang, cat := range catalogs(t) {
		for _, ss := range screens {
			s := State{Mode: "sign", Lang: lang, Conn: Connected, Sign: ss}
			html, err := Render(s, cat)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, ss.Screen, err)
			}
			if !strings.Contains(html, `data-screen="`+string(ss.Screen)+`"`) || !strings.Contains(html, `id="nav-cards"`) {
				t.Errorf("%s %s: screen not drawn", lang, ss.Screen)
			}
			want := map[string]string{"it": warn.IT, "en": warn.EN}[lang]
			// The warnings are read on their own screen, before any PIN field; once accepted the PIN screen
			// says so.
			switch {
			case len(ss.Warnings) > 0 && ss.Screen == "warn":
				if !strings.Contains(html, htmlpkg.EscapeString(want)) || !strings.Contains(html, `id="sign-accept"`) || strings.Contains(html, `type="password"`) {
					t.Errorf("%s: warning screen: not in the page's language, no accept button, or a PIN field", lang)
				}
			case len(ss.Warnings) > 0 && ss.Screen == "confirm":
				if !strings.Contains(html, `id="sign-accepted"`) || !strings.Contains(html, `id="sign-pin"`) {
					t.Errorf("%s: PIN screen after accepted warnings", lang)
				}
			}
			// The document inside a .p7m is offered under its name; a doubt about it is said before the button.
			if v := ss.Verify; v != nil && v.Content != "" {
				if !strings.Contains(html, `id="verify-content"`) || !strings.Contains(html, v.Content) {
					t.Errorf("%s: no button to save %s", lang, v.Content)
				}
				if doubt := strings.Index(html, `id="verify-content-doubt"`); v.ContentDoubt != (doubt >= 0) || doubt > strings.Index(html, `id="verify-content"`) {
					t.Errorf("%s: doubt shown=%v, want %v (before the button)", lang, doubt >= 0, v.ContentDoubt)
				}
				if v.ContentSaved != strings.Contains(html, `id="verify-content-saved"`) {
					t.Errorf("%s: saved line", lang)
				}
			} else if v != nil && strings.Contains(html, `id="verify-content"`) {
				t.Errorf("%s: a save button without content", lang)
			}
			// A signature followed by changes of class (c) is marked red with the warning; a signature
			// followed by later bytes offers its signed revision.
			if v := ss.Verify; v != nil && len(v.Signers) > 0 {
				red := strings.Contains(html, ` modified" data-valid=`) && strings.Contains(html, `id="verify-modified-1"`)
				if red != v.Modified[1] || strings.Contains(html, `id="verify-revision-1"`) != v.Revisions[1] {
					t.Errorf("%s: modified shown=%v, want %v; revision button want %v", lang, red, v.Modified[1], v.Revisions[1])
				}
			}
			if ss.Error != nil && !strings.Contains(html, htmlpkg.EscapeString(map[string]string{"it": errb.IT, "en": errb.EN}[lang])) {
				t.Errorf("%s %s: error not shown", lang, ss.Screen)
			}
		}
		html, err := Render(State{Mode: "app", Lang: lang, Conn: Connected}, cat)
		if err != nil || !strings.Contains(html, `href="sign.html"`) {
			t.Fatalf("%s: app page does not link the Firma page (%v)", lang, err)
		}
	}
}
