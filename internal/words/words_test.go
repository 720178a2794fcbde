package words_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/words"
)

var param = regexp.MustCompile(`\$[1-9]`)

// Every code of the registry has its words in both languages with the same parameters, and every err*
// key of the catalogues belongs to a code: one registry, one catalogue, nothing on the side.
func TestRegistryMatchesCatalogues(t *testing.T) {
	it, en := extension.Catalog("it"), extension.Catalog("en")
	keys := map[string]words.Code{}
	for _, d := range words.Registry("") {
		k := strings.ToLower(words.Key(d.Code))
		if prev, dup := keys[k]; dup {
			t.Errorf("%s and %s share the key %s", prev, d.Code, k)
		}
		keys[k] = d.Code
		if !it.Has(k) || !en.Has(k) {
			t.Errorf("%s: key %s missing in it or en", d.Code, words.Key(d.Code))
			continue
		}
		si, _ := it.T(k)
		se, _ := en.T(k)
		pi, pe := param.FindAllString(si, -1), param.FindAllString(se, -1)
		slices.Sort(pi)
		slices.Sort(pe)
		if !slices.Equal(slices.Compact(pi), slices.Compact(pe)) || si == "" || se == "" {
			t.Errorf("%s: it %q and en %q differ in parameters", d.Code, si, se)
		}
	}
	for _, k := range it.Keys() {
		if strings.HasPrefix(k, "err") {
			if _, ok := keys[k]; !ok {
				t.Errorf("catalogue key %s has no code in the registry", k)
			}
		}
	}
}

// Say fills the parameters and puts the messages one after the other; Error stays technical English
// whatever the catalogue says.
func TestSayAndError(t *testing.T) {
	it, en := extension.Catalog("it-IT"), extension.Catalog("en-GB")
	if it.Lang != "it" || en.Lang != "en" {
		t.Fatalf("languages %s %s", it.Lang, en.Lang)
	}
	ms := []words.Message{words.M("not-eligible-too-early", "01/12/2026", "60"), words.M("PIN_INCORRECT")}
	if got := en.Say(ms...); got != "Renewable from 01/12/2026 (60 days before expiry). Wrong PIN." {
		t.Fatalf("en: %q", got)
	}
	if got := it.Say(ms...); got != "Rinnovabile dal 01/12/2026 (60 giorni prima della scadenza). PIN errato." {
		t.Fatalf("it: %q", got)
	}
	// A code this catalogue does not know (a newer record read by an older Ponte) shows as itself.
	if got := en.Say(words.M("SOMETHING_NEW", "x")); got != "SOMETHING_NEW (x)" {
		t.Fatalf("unknown: %q", got)
	}
	cause := errors.New("ckr_pin_incorrect")
	err := fmt.Errorf("login: %w", words.New("PIN_INCORRECT", cause))
	if err.Error() != "login: PIN_INCORRECT: ckr_pin_incorrect" || !errors.Is(err, cause) {
		t.Fatalf("Error() %q", err)
	}
	if got := it.Say(words.Of(err)...); got != "PIN errato." {
		t.Fatalf("Of: %q", got)
	}
	if words.Of(cause) != nil || !words.Code("CARD_REMOVED").Retriable() || words.Code("PIN_LOCKED").Retriable() {
		t.Fatal("Of or Retriable")
	}
}

// The WASM modules speak from the catalogue the page fetched: they never link package extension, whose
// embedded copy would add both languages to every module (cards.wasm is kept small, #16 item 4).
func TestWASMDoesNotEmbedTheCatalogue(t *testing.T) {
	for _, tags := range []string{"", "cards"} {
		cmd := exec.Command("go", "list", "-deps", "-tags", tags, "./wasm")
		cmd.Dir, cmd.Env = testenv.Root(), append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (tags %q): %v", tags, err)
		}
		deps := strings.Fields(string(out))
		if slices.Contains(deps, "github.com/ponte-it/ponte/extension") || !slices.Contains(deps, "github.com/ponte-it/ponte/internal/words") {
			t.Errorf("tags %q: the module links package extension, or not package words", tags)
		}
	}
}
