package ids

import (
	"regexp"
	"strings"
)

// PKCS11Prefix starts the name of every PKCS#11 manifest Ponte writes for Firefox (host/install/pkcs11.go);
// the setup page asks browser.pkcs11 for the same names.
const PKCS11Prefix = "it.ponte."

var nonWord = regexp.MustCompile(`\W+`)

// PKCS11ModuleName is the PKCS#11 manifest name (MDN "Native manifests": ^\w+(\.\w+)*$) for a driver name
// or a library path: "opensc" gives it.ponte.opensc, "bit4id-xpki" it.ponte.bit4id_xpki,
// "/usr/lib/softhsm/libsofthsm2.so" it.ponte.libsofthsm2. ponte-host install names its manifests so, and
// the setup page finds them from the module diagnose reports for the card.
func PKCS11ModuleName(what string) string {
	if i := strings.LastIndexAny(what, `/\`); i >= 0 {
		what = what[i+1:]
	}
	for _, ext := range []string{".so", ".dylib", ".dll"} {
		if i := strings.Index(strings.ToLower(what), ext); i > 0 {
			what = what[:i]
		}
	}
	w := strings.Trim(nonWord.ReplaceAllString(what, "_"), "_")
	if w == "" {
		w = "module"
	}
	return PKCS11Prefix + strings.ToLower(w)
}
