package ids

import "strings"

// PKCS11Prefix starts the name of every PKCS#11 manifest Ponte writes for Firefox (host/install/pkcs11.go);
// the setup page asks browser.pkcs11 for the same names.
const PKCS11Prefix = "it.ponte."

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
	w := strings.Trim(wordsOnly(what), "_")
	if w == "" {
		w = "module"
	}
	return PKCS11Prefix + strings.ToLower(w)
}

// wordsOnly replaces each run of characters other than ASCII letters, digits and '_' (RE2's \W) by one
// '_'. Written out, not as a regexp: the card list's module (cards.wasm) links no regexp engine.
func wordsOnly(s string) string {
	var b strings.Builder
	run := false
	for _, r := range s {
		if r < 0x80 && (r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			b.WriteRune(r)
			run = false
		} else if !run {
			b.WriteByte('_')
			run = true
		}
	}
	return b.String()
}
