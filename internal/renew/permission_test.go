package renew

import (
	"errors"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/netperm"
)

// A CMP request the browser refused because the extension lacks the host permission for the CA is
// reported as such (not as "check the connection"), retriable, with the pattern the screen offers to
// grant; the same transport failure with the permission held stays a plain CMP_TRANSPORT.
func TestClassifyNoPermission(t *testing.T) {
	denied := &netperm.Denied{Origin: "https://cmp.example.it", Pattern: "https://cmp.example.it/*", Cause: errors.New("TypeError: Failed to fetch")}
	f := classify(&cmp.Error{Code: cmp.CodeTransport, Detail: "POST https://cmp.example.it/.well-known/cmp", Err: denied})
	if f.Code != "no-permission" || !f.Retriable || f.Permission != "https://cmp.example.it/*" ||
		!strings.Contains(f.Text(extension.Catalog("it")), "Ponte non ha il permesso di contattare https://cmp.example.it") ||
		!strings.Contains(f.Text(extension.Catalog("en")), "Ponte is not allowed to contact https://cmp.example.it") {
		t.Fatalf("%+v", f)
	}
	plain := classify(&cmp.Error{Code: cmp.CodeTransport, Err: errors.New("TypeError: Failed to fetch")})
	if plain.Code != "ca-CMP_TRANSPORT" || plain.Permission != "" {
		t.Fatalf("%+v", plain)
	}
}
