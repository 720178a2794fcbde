package signjob

import (
	"errors"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/signerr"
)

// A time stamp the browser refused for lack of a host permission says which service, in both languages;
// the same failure with another cause keeps the plain message.
func TestMessageNamesRefusedService(t *testing.T) {
	denied := &netperm.Denied{Origin: "https://tsa.example.it", Pattern: "https://tsa.example.it/*", Cause: errors.New("TypeError: Failed to fetch")}
	err := signerr.New(signerr.TimeStamp, "Marca temporale non disponibile.", "No time stamp.", denied)
	if it := Message(err, extension.Catalog("it")); it != "Marca temporale non disponibile. Ponte non ha il permesso di contattare https://tsa.example.it." {
		t.Errorf("it: %q", it)
	}
	if en := Message(err, extension.Catalog("en")); en != "No time stamp. Ponte is not allowed to contact https://tsa.example.it." {
		t.Errorf("en: %q", en)
	}
	plain := signerr.New(signerr.TimeStamp, "Marca temporale non disponibile.", "No time stamp.", errors.New("TypeError: Failed to fetch"))
	if it := Message(plain, extension.Catalog("it")); strings.Contains(it, "permesso") {
		t.Errorf("plain: %q", it)
	}
}
