package ui

import (
	htmlpkg "html"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testenv"
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
				if s.Problem != nil && s.Problem.Code != "" && !strings.Contains(html, htmlpkg.EscapeString(s.Problem.Code.Text(lang))) {
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
