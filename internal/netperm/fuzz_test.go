package netperm

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// jsPattern is the PATTERN of extension/permission.mjs: the buttons ask only for patterns it accepts, so
// Pattern must produce no other.
func jsPattern(t testing.TB) *regexp.Regexp {
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "extension", "permission.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const PATTERN = /(.+)/i;`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no PATTERN in permission.mjs")
	}
	return regexp.MustCompile("(?i)" + string(m[1]))
}

func FuzzOrigin(f *testing.F) {
	js := jsPattern(f)
	for _, s := range []string{"http://ocsp.example.it/ocsp", "https://CMP.example.it:443/x", "http://[::1]:9/", "http://h:80", "ftp://x", "http://%zz", "http://a b/", "https://xn--80ak6aa92e.com/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o := Origin(raw)
		if o == "" {
			return
		}
		if Origin(o) != o {
			t.Fatalf("Origin(%q) = %q is not stable: %q", raw, o, Origin(o))
		}
		if p := Pattern(o); p != "" && !js.MatchString(p) {
			t.Fatalf("Pattern(%q) = %q, which permission.mjs refuses", o, p)
		}
	})
}

// hostName is the regexp it replaced (netperm.go), on any input.
func FuzzHostName(f *testing.F) {
	re := regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$`)
	for _, s := range []string{"ocsp.example.it", "a.", "a..b", ".", "", "x_y-z.1", "A.b", "é.it", "a.b.", "a.b.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := hostName(h), re.MatchString(h); got != want {
			t.Fatalf("hostName(%q) = %v, the regexp says %v", h, got, want)
		}
	})
}
