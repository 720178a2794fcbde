package ui

import (
	htmlpkg "html"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/words"
)

func catalogs(t *testing.T) map[string]*Catalog {
	t.Helper()
	out := map[string]*Catalog{}
	for _, lang := range []string{"it", "en"} {
		b, err := os.ReadFile(filepath.Join(testenv.Root(), "extension", "_locales", lang, "messages.json"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCatalog(lang, b)
		if err != nil {
			t.Fatal(err)
		}
		c.Strict = true
		out[lang] = c
	}
	return out
}

func TestLocalesHaveTheSameKeys(t *testing.T) {
	c := catalogs(t)
	it, en := c["it"].Keys(), c["en"].Keys()
	sort.Strings(it)
	sort.Strings(en)
	if strings.Join(it, ",") != strings.Join(en, ",") {
		t.Fatalf("it and en differ:\n%v\n%v", it, en)
	}
}

// Every screen in every state renders in both languages with no missing message.
func TestEveryScreenRenders(t *testing.T) {
	states := []State{
		{Conn: Connecting},
		{Conn: Connected, Host: protocol.HelloResult{Version: "v1.2.3", Transport: "native", OS: "linux/amd64"}},
		{Conn: Connected, Host: protocol.HelloResult{Version: "v1.2.3", Transport: "websocket"}},
		{Conn: Failed, Problem: &Problem{Detail: "Specified native messaging host not found."}},
		{Conn: Failed, Problem: &Problem{Code: protocol.ErrVersionMismatch}},
	}
	for lang, cat := range catalogs(t) {
		for _, mode := range []string{"app", "popup"} {
			for _, s := range states {
				s.Mode, s.Lang, s.Extension = mode, lang, "v0-test"
				html, err := Render(s, cat)
				if err != nil {
					t.Fatalf("%s %s %v: %v", lang, mode, s.Conn, err)
				}
				if s.Conn == Connected && !strings.Contains(html, `<dd id="host-version">v1.2.3</dd>`) {
					t.Errorf("%s %s: host version not shown:\n%s", lang, mode, html)
				}
				if s.Problem != nil && s.Problem.Code != "" && !strings.Contains(html, htmlpkg.EscapeString(cat.Say(words.M(s.Problem.Code)))) {
					t.Errorf("%s %s: error text for %s not shown", lang, mode, s.Problem.Code)
				}
			}
		}
	}
}

func TestCatalogSubstitutesAndPicksLanguage(t *testing.T) {
	c, err := ParseCatalog("it", []byte(`{"Greet":{"message":"Ciao $1, hai $2 tentativi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.T("greet", "Mario", 3); got != "Ciao Mario, hai 3 tentativi" {
		t.Fatalf("got %q", got)
	}
	if PickLang("en-GB") != "en" || PickLang("it-IT") != "it" || PickLang("de") != "it" {
		t.Fatal("PickLang")
	}
}

func TestCardListScreen(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	card := &protocol.Card{
		ID: "6020100010515006", ATR: "3bff",
		Family: protocol.Family{Known: true, Sigla: "AC 2018", Name: "Actalis", Drivers: []string{"athena-idp"}, Package: "bit4id_xpki_1.4.10.647-ng-idemia-crtmgr.exe"},
		Holder: &protocol.Holder{Surname: "BAUDO", Name: "PIPPO", FiscalCode: "BDAPPP36L07A028Z"},
		Certificates: []protocol.Certificate{
			{Role: "cns", NotAfter: "2026-12-03T23:59:59Z", KeyBits: 1024, Subject: "CN=BDAPPP36L07A028Z/..."},
			{Role: "signature", NotAfter: "2026-01-01T00:00:00Z", KeyBits: 2048},
		},
	}
	unknown := &protocol.Card{ID: "x", ATR: "3b0102"}
	// A CNS the ATR did not tell, with the tries its card reported, and one with only the module's flags.
	byFiles := &protocol.Card{ID: "y", ATR: "3b0304", Family: protocol.Family{Match: "cns-files", Drivers: []string{"opensc"},
		Package: "libbit4xpki-idemia-amd64.1.4.10-622.deb"}, Token: &protocol.Token{Driver: "opensc", PIN: protocol.PINStatus{Tries: 3}}}
	flagged := &protocol.Card{ID: "z", ATR: "3b0506", Family: protocol.Family{Known: true, Sigla: "ST 2021", Drivers: []string{"safedive"},
		Package: "SafeDive2022.zip ver. 4.6"}, Token: &protocol.Token{Driver: "opensc", PIN: protocol.PINStatus{FinalTry: true}}}
	lastTry := &protocol.Card{ID: "w", ATR: "3b0708", Token: &protocol.Token{PIN: protocol.PINStatus{Tries: 1}}}
	s := State{Mode: "app", Lang: "it", Conn: Connected, Now: now, CardsLoaded: true,
		Readers: []protocol.Reader{{Name: "R1", Card: card}, {Name: "R2"}, {Name: "R3", Card: unknown}, {Name: "R4", Card: byFiles},
			{Name: "R5", Card: flagged}, {Name: "R6", Card: lastTry}}}
	html, err := Render(s, catalogs(t)["it"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Intestato a BAUDO PIPPO",
		"Scadenza il 04/12/2026", // 23:59 UTC is already the 4th in Rome
		"IN SCADENZA il 04/12/2026 (tra 9 giorni)",
		"SCADUTO il 01/01/2026",
		"AC 2018 — Actalis",
		"non trovato su questo computer",
		"Lettore R2: vuoto",
		"Tessera non riconosciuta (ATR 3b0102)",
		"CNS (famiglia non riconosciuta dall'ATR 3b0304)",
		"3 tentativi rimasti per il PIN",
		"1 tentativo rimasto per il PIN",
		"ULTIMO TENTATIVO",
		"non trovato su questo computer; il portale Sistema TS offre per questa tessera: bit4id_xpki_1.4.10.647-ng-idemia-crtmgr.exe",
	} {
		if !strings.Contains(html, htmlpkg.EscapeString(want)) {
			t.Errorf("card list lacks %q", want)
		}
	}
	// The portal's package shows only where no module sees the card.
	if strings.Contains(html, "libbit4xpki-idemia-amd64") || strings.Contains(html, "SafeDive2022") {
		t.Error("the portal's package is offered for a card a module sees")
	}
	en, err := Render(State{Mode: "app", Lang: "en", Conn: Connected, Now: now, CardsLoaded: true, Readers: s.Readers}, catalogs(t)["en"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 tries left for the PIN", "CNS (family not recognised from the ATR 3b0304)"} {
		if !strings.Contains(en, htmlpkg.EscapeString(want)) {
			t.Errorf("English card list lacks %q", want)
		}
	}
}

// Every renewal screen renders in both languages with no missing message, and shows what the seeds show.
func TestRenewalScreens(t *testing.T) {
	fail := &renew.Failure{Code: "ca-refused", IT: "Richiesta non inoltrata: credito insufficiente", EN: "Request refused: insufficient balance"}
	flows := map[string]Flow{
		"terms":     {Screen: "terms", Terms: "Termini", ProfileName: "Ponte CA"},
		"privacy":   {Screen: "privacy", Privacy: "Informativa"},
		"pin":       {Screen: "pin", NeedsPUK: true, Paid: true, PIN: PINView{FinalTry: true}, Failure: &renew.Failure{IT: "PIN errato.", EN: "Wrong PIN."}},
		"pinpad":    {Screen: "pin", PIN: PINView{PINPad: true}},
		"locked":    {Screen: "pin", PIN: PINView{Locked: true}},
		"puklow":    {Screen: "pin", NeedsPUK: true, PIN: PINView{PUKFinalTry: true, PUKCountLow: true}},
		"hostlost":  {Screen: "progress", HostLost: true, Steps: Steps("rekey", renew.StepRequest)},
		"puklock":   {Screen: "pin", NeedsPUK: true, PIN: PINView{PUKLocked: true}},
		"progress":  {Screen: "progress", Paused: true, Steps: Steps("rekey", renew.StepWrite)},
		"waiting":   {Screen: "waiting", RenewalID: "r1"},
		"success":   {Screen: "success", Holder: "BAUDO PIPPO", NewExpiry: "2032-12-03T00:00:00Z", Reinsert: true},
		"failure":   {Screen: "failure", Failure: fail},
		"dirty":     {Screen: "failure", Failure: fail, RollbackFailed: true, RenewalID: "r2"},
		"abandon":   {Screen: "pin", Abandon: true, RenewalID: "r3"},
		"abandoned": {Screen: "abandoned", RenewalID: "r3"},
	}
	want := map[string][]string{
		"it/terms":     {"PROSEGUI", "CHIUDI"},
		"it/privacy":   {"RINNOVA", "disabled"},
		"it/pin":       {"ULTIMO TENTATIVO", "PUK", "Codice conto", "PIN errato."},
		"it/pinpad":    {"tastierino"},
		"it/locked":    {"bloccato"},
		"it/puklow":    {"ULTIMO TENTATIVO per il PUK", `id="puk"`},
		"it/puklock":   {"Il PUK è bloccato"},
		"it/hostlost":  {"Il programma Ponte si è interrotto", "Il rinnovo è salvato"},
		"en/puklow":    {"LAST TRY for the PUK"},
		"it/success":   {"Certificato rinnovato e attivo", "Scadenza il 03/12/2032", "reinseriscila"},
		"it/failure":   {"credito insufficiente", "Scarica log", "non è stata modificata"},
		"it/waiting":   {"Richiesta inoltrata correttamente", "SCARICA", "ANNULLA IL RINNOVO"},
		"it/dirty":     {"NON è tornata com'era", "ANNULLA IL RINNOVO", "Scarica log"},
		"en/dirty":     {"was NOT put back", "CANCEL THE RENEWAL"},
		"it/abandon":   {"Annulla il rinnovo: inserire il PIN", "revocato"},
		"it/abandoned": {"Rinnovo annullato", "Scarica log"},
		"en/failure":   {"insufficient balance", "Download log"},
		"en/success":   {"Certificate renewed and active"},
	}
	for lang, cat := range catalogs(t) {
		for name, f := range flows {
			f := f
			html, err := Render(State{Mode: "app", Lang: lang, Conn: Connected, Flow: &f}, cat)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, name, err)
			}
			// A failed rollback must never be called "not modified" (issue 14).
			if name == "dirty" && (strings.Contains(html, "non è stata modificata") || strings.Contains(html, "was not changed")) {
				t.Errorf("%s/dirty says the card was not modified", lang)
			}
			for _, w := range want[lang+"/"+name] {
				if !strings.Contains(html, htmlpkg.EscapeString(w)) && !strings.Contains(html, w) {
					t.Errorf("%s/%s lacks %q", lang, name, w)
				}
			}
		}
	}
}

func TestSteps(t *testing.T) {
	got := Steps("rekey", renew.StepWrite)
	states := ""
	for _, s := range got {
		states += s.State[:1]
	}
	if states != "ddcttt" {
		t.Fatalf("rekey at write: %s", states)
	}
	if s := Steps("extend", renew.StepDone); len(s) != 5 || s[4].State != "done" {
		t.Fatalf("extend done: %+v", s)
	}
}
