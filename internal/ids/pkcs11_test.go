package ids

import (
	"regexp"
	"testing"
)

func TestPKCS11ModuleName(t *testing.T) {
	valid := regexp.MustCompile(`^\w+(\.\w+)*$`) // MDN, "Native manifests"
	for in, want := range map[string]string{
		"opensc":                          "it.ponte.opensc",
		"bit4id-xpki":                     "it.ponte.bit4id_xpki",
		"/usr/lib/softhsm/libsofthsm2.so": "it.ponte.libsofthsm2",
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so": "it.ponte.opensc_pkcs11",
		`C:\Windows\System32\bit4xpki.dll`:           "it.ponte.bit4xpki",
		"/opt/x/libfoo.so.1.2":                       "it.ponte.libfoo",
		"/Library/OpenSC/lib/opensc-pkcs11.dylib":    "it.ponte.opensc_pkcs11",
		"---": "it.ponte.module",
	} {
		got := PKCS11ModuleName(in)
		if got != want || !valid.MatchString(got) {
			t.Errorf("PKCS11ModuleName(%q) = %q, want %q", in, got, want)
		}
	}
}

// wordsOnly is the regexp replacement it stands for (pkcs11.go), on any input.
func FuzzWordsOnly(f *testing.F) {
	re := regexp.MustCompile(`\W+`)
	for _, s := range []string{"bit4id-xpki", "lib softhsm2", "a--b", "-x-", "città", "\xff\xfe", "", "__"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := wordsOnly(s), re.ReplaceAllString(s, "_"); got != want {
			t.Fatalf("wordsOnly(%q) = %q, the regexp gives %q", s, got, want)
		}
	})
}
