package cards

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// layOut copies libsofthsm2 under root with the file names of the driver table, so a search that knows
// only names and paths finds "vendor" modules that are SoftHSM underneath.
func layOut(t *testing.T, lib, root string, drivers ...string) map[string]string {
	t.Helper()
	src, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range drivers {
		d, _ := p11.DriverByName(name)
		p := filepath.Join(root, d.Candidates("linux", runtime.GOARCH)[0])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, src, 0o755); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

func searchService(root string) *Service {
	l := p11.Locator{Getenv: func(string) string { return "" }, GOOS: "linux", GOARCH: runtime.GOARCH, Root: root,
		Exists: func(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }}
	return &Service{Locator: l, P11: p11.NewManager(), tokens: map[string]*tokenRef{}}
}

// The driver search loads every installed module of the table, the family's preference first, and
// uses the one that sees the card's token: with only a libbit4xpki-like module present (what the Sistema
// TS portal's package installs) an OT / ID 2019 card, whose row also names libbit4opki, is found through
// it; with only an OpenSC-like module, through OpenSC; with both seeing it, through the family's first;
// with the preferred module present but not seeing the token, through the one that does.
func TestDriverSearchUsesTheModuleThatSeesTheToken(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("module copies are laid out with the Linux paths")
	}
	sd, _ := p11.DriverByName("softhsm")
	lib := testenv.File(t, "libsofthsm2.so (package softhsm2)", sd.Candidates("linux", runtime.GOARCH)...)
	full, empty := t.TempDir(), t.TempDir()
	fullConf, err := softcard.WriteSoftHSMConfig(full)
	if err != nil {
		t.Fatal(err)
	}
	emptyConf, err := softcard.WriteSoftHSMConfig(empty)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", fullConf)
	ca, err := softcard.NewTestCA("Ponte search CA")
	if err != nil {
		t.Fatal(err)
	}
	m := p11.NewManager()
	card, err := softcard.Provision(m, softcard.Config{Module: lib, Holder: softcard.Holder{Surname: "Bianchi", GivenName: "Anna",
		CodiceFiscale: "BNCNNA80A41H501V", CardID: "8038000000000002"}, PIN: []byte("12345678"), PUK: []byte("87654321"), Issuer: ca.Issue})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	ot, _ := cns.FamilyByID("OT")

	check := func(name string, s *Service, wantDriver, wantPath string) {
		t.Helper()
		toks, err := s.scanTokens(ot.Drivers)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var seen []*seenToken
		for i, tok := range toks {
			if tok.info.Serial == card.Serial && !seenBefore(nil, toks[:i], tok) {
				seen = append(seen, tok)
			}
		}
		if len(seen) != 1 {
			t.Fatalf("%s: the card is listed %d times, want once (%d tokens in all)", name, len(seen), len(toks))
		}
		got := seen[0]
		if got.cand.Driver != wantDriver || got.cand.Path != wantPath || got.ref.Module != wantPath {
			t.Errorf("%s: card found through %s (%s), want %s (%s)", name, got.cand.Driver, got.cand.Path, wantDriver, wantPath)
		}
		// The token is the provisioned card: its authentication certificate, read through the copy.
		found := false
		for _, c := range got.certs {
			found = found || c.Role == p11.RoleAuthentication && bytes.Equal(c.DER, card.AuthCert)
		}
		if !found {
			t.Errorf("%s: the token's certificates are not the card's", name)
		}
	}

	root := t.TempDir()
	paths := layOut(t, lib, root, "bit4id-xpki")
	s := searchService(root)
	check("only libbit4xpki", s, "bit4id-xpki", paths["bit4id-xpki"])
	s.P11.Close()

	root = t.TempDir()
	paths = layOut(t, lib, root, "opensc")
	s = searchService(root)
	check("only OpenSC", s, "opensc", paths["opensc"])
	s.P11.Close()

	root = t.TempDir()
	paths = layOut(t, lib, root, "opensc", "bit4id-xpki")
	s = searchService(root)
	check("both see it", s, "bit4id-xpki", paths["bit4id-xpki"])
	s.P11.Close()

	// The preferred module initialises with an empty token directory (SoftHSM reads SOFTHSM2_CONF in
	// C_Initialize): it is installed and loads, but does not see this card.
	root = t.TempDir()
	paths = layOut(t, lib, root, "opensc", "bit4id-xpki")
	s = searchService(root)
	t.Setenv("SOFTHSM2_CONF", emptyConf)
	if _, err := s.P11.Load(paths["bit4id-xpki"]); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", fullConf)
	check("preferred does not see it", s, "opensc", paths["opensc"])
	s.P11.Close()
}

// A card no module sees is told to install the package the Sistema TS portal offers for its family on
// this OS (seed 001), never a library the portal does not ship; an AC card is told the IDP driver its
// renewal needs on Windows and macOS (seed 000), and not on Linux.
func TestDriverAdviceNamesThePortalPackage(t *testing.T) {
	otATR := []byte{0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x05, 0x05, 0x10, 0x17, 0x01, 0x21, 0x01, 'C', 'N', 'S', 0x10, 0x31, 0x80, 0x5E}
	acATR := []byte{0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x15, 0x0C, 0x01, 0x80, 0x01, 0x11, 0x01, 'C', 'N', 'S', 0x10, 0x31, 0x80, 0xE9}
	cases := []struct {
		atr        []byte
		goos, arch string
		want, not  []string
	}{
		{otATR, "linux", "amd64", []string{"libbit4xpki-idemia-amd64.1.4.10-622.deb", "OT 2015 / OT 2016 / ID 2019"}, []string{"libbit4opki", "IDP"}},
		{otATR, "windows", "amd64", []string{"bit4id_xpki_1.4.10.647-ng-idemia-crtmgr.exe"}, []string{"IDP"}},
		{acATR, "windows", "amd64", []string{"bit4id_xpki_1.4.10.647-ng-idemia-crtmgr.exe", "IDP 6.47.04"}, nil},
		{acATR, "darwin", "arm64", []string{"bit4id-middleware-idemia-pkiman3-1.4.10.704.zip", "MAC-63710-Italian.zip"}, nil},
		{acATR, "linux", "386", []string{"libbit4xpki-idemia-i386.1.4.10-647.deb"}, []string{"IDP"}},
	}
	for _, c := range cases {
		card := &protocol.Card{Family: familyOf(cns.Identify(c.atr), c.goos, c.arch)}
		var it, en string
		driverAdvice(card, func(_, i, e string) { it += i + "\n"; en += e + "\n" })
		for _, w := range c.want {
			if !strings.Contains(it, w) || !strings.Contains(en, w) {
				t.Errorf("%s/%s %s: advice lacks %q:\n%s%s", c.goos, c.arch, card.Family.Sigla, w, it, en)
			}
		}
		for _, w := range c.not {
			if strings.Contains(it+en, w) {
				t.Errorf("%s/%s %s: advice names %q:\n%s", c.goos, c.arch, card.Family.Sigla, w, it)
			}
		}
		// A card a module sees needs no install advice.
		card.Token = &protocol.Token{}
		it = ""
		driverAdvice(card, func(_, i, _ string) { it += i })
		if strings.Contains(it, "nessun driver") {
			t.Errorf("%s: install advice for a card with a token: %s", card.Family.Sigla, it)
		}
	}
}

// A module no card's family asked for is loaded only after it loaded in a child process: one that aborts
// in C_Initialize (testdata crash.c, laid out as Athena's IDP) would take the host down with the whole
// card list. The search goes on with the others: the family's own module and an extra one that loads.
func TestExtraModuleCrashingIsProbedFirst(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("module copies are laid out with the Linux paths")
	}
	sd, _ := p11.DriverByName("softhsm")
	lib := testenv.File(t, "libsofthsm2.so (package softhsm2)", sd.Candidates("linux", runtime.GOARCH)...)
	conf, err := softcard.WriteSoftHSMConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	root := t.TempDir()
	crash := layOut(t, testenv.PKCS11Module(t, "crash"), root, "athena-idp")["athena-idp"]
	good := layOut(t, lib, root, "opensc", "safedive")
	s := searchService(root)
	defer s.P11.Close()
	if _, err := s.scanTokens([]string{"opensc"}); err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, m := range s.P11.Modules() {
		loaded[m.Path] = true
	}
	if loaded[crash] || !loaded[good["opensc"]] || !loaded[good["safedive"]] {
		t.Errorf("loaded %v; want %s and %s, not %s", loaded, good["opensc"], good["safedive"], crash)
	}
	if ok, done := s.probed[crash]; !done || ok {
		t.Errorf("the crashing module's probe: done %v, loads %v", done, ok)
	}
}
