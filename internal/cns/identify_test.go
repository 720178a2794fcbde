package cns

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := parseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every exact ATR in the table must be a well-formed ATR (TCK included) and identify as its own family.
func TestTableATRsParseAndIdentify(t *testing.T) {
	for _, f := range Families() {
		for _, a := range f.ATRs {
			if a.Mask != "" || a.Prefix {
				continue
			}
			b := mustHex(t, a.ATR)
			if _, err := ParseATR(b); err != nil {
				t.Errorf("%s %s: %v", f.ID, a.ATR, err)
			}
			id := Identify(b)
			if id.FamilyID != f.ID || id.Match != MatchATR || !id.Known {
				t.Errorf("%s: Identify(%s) = %s/%s", f.ID, a.ATR, id.FamilyID, id.Match)
			}
		}
	}
}

func TestIdentifyExamples(t *testing.T) {
	cases := []struct {
		atr, family, match, ic, mask, version string
		bits                                  int
	}{
		// CARDS.md examples (public ATR list).
		{"3BFF1800FF8131FE55006B02091617011101434E531131808D", "ST", MatchATR, "STMicroelectronics", "STIncard", "1.1", 2048},
		{"3BDF18008131FE7D006B150C0180011101434E53103180E9", "AC", MatchATR, "ATMEL", "Athena", "1.0", 1024},
		{"3BFF1800FF8131FE4D006B0404B85B01F101434E531031809D", "ACE2025", MatchATR, "NXP Semiconductors", "Giesecke & Devrient", "1.0", 1024},
		// Not in the table: reached by the maker rules (fw 0x30 >= 32 on Infineon/IDEMIA → 2021).
		{"3BFF1800008131FE45006B05053000012101434E5310318049", "IDEMIA2021", MatchCNSRule, "Infineon", "Oberthur Card Systems (IDEMIA)", "1.0", 2048},
		// Athena mask on an STMicro chip: the AC rule (mask 12 on any IC).
		{"3BDF18008131FE7D006B020C0199011101434E53103180FC", "AC", MatchCNSRule, "STMicroelectronics", "Athena", "1.0", 1024},
		// Incard firmware 0x13 (< 0x16): InfoCamere/Aruba family, not ST.
		{"3BFF1800FF8131FE55006B02091303011101434E531131809C", "INCARD", MatchCNSRule, "STMicroelectronics", "STIncard", "1.1", 2048},
		// A CNS with makers no family claims (Gemplus mask): generic CNS, still shown with its makers.
		{"3BFF1800FF8131FE55006B07020101011101434E531131808D", "", MatchCNS, "Texas Instruments", "Gemplus", "1.1", 2048},
	}
	for _, c := range cases {
		b := mustHex(t, c.atr)
		// Fix the TCK so each case is a valid ATR whatever its bytes.
		b[len(b)-1] = 0
		var x byte
		for _, v := range b[1:] {
			x ^= v
		}
		b[len(b)-1] = x
		id := Identify(b)
		if id.ATRError != "" {
			t.Errorf("%s: %s", c.atr, id.ATRError)
		}
		if id.FamilyID != c.family || id.Match != c.match || id.ICMaker != c.ic || id.MaskMaker != c.mask ||
			id.CNSVersion != c.version || id.RSABits != c.bits || id.Kind != "CNS" {
			t.Errorf("Identify(%s) = %+v", c.atr, id)
		}
		if len(id.Drivers) == 0 && c.family != "ACE2025" {
			t.Errorf("%s: no drivers", c.atr)
		}
	}
}

func TestIdentifyCIEAndUnknown(t *testing.T) {
	// CIE v2: 15 historical bytes with 02 'ITID' 20 20 31 80 at hist[6..14].
	hist := []byte{0x00, 0x6B, 0x04, 0x05, 0x01, 0x00, 0x02, 'I', 'T', 'I', 'D', 0x20, 0x20, 0x31, 0x80}
	atr := append([]byte{0x3B, 0x8F, 0x80, 0x01}, hist...)
	var x byte
	for _, v := range atr[1:] {
		x ^= v
	}
	atr = append(atr, x)
	id := Identify(atr)
	if id.FamilyID != "CIE" || id.Kind != "CIE" || id.Match != MatchCIE {
		t.Errorf("CIE v2: %+v", id)
	}
	unknown := mustHex(t, "3B8F8001804F0CA000000306030001000000006A")
	id = Identify(unknown)
	if id.Known || id.Match != MatchUnknown || id.ATR != "3B8F8001804F0CA000000306030001000000006A" {
		t.Errorf("unknown: %+v", id)
	}
	// A broken ATR is still shown, with the reason.
	id = Identify([]byte{0x3B, 0xFF, 0x18})
	if id.Known || id.ATRError == "" || id.ATR != "3BFF18" {
		t.Errorf("broken: %+v", id)
	}
}

func TestParseATR(t *testing.T) {
	a, err := ParseATR(mustHex(t, "3BFF1800FF8131FE55006B02091617011101434E531131808D"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Groups) != 3 || *a.Groups[0].TA != 0x18 || *a.Groups[0].TC != 0xFF || *a.Groups[2].TB != 0x55 ||
		len(a.Historical) != 15 || !a.HasTCK || a.TCK != 0x8D || len(a.Protocols) != 2 || a.Protocols[0] != 1 {
		t.Fatalf("parsed %+v", a)
	}
	// T=0 only: no TCK.
	if a, err := ParseATR(mustHex(t, "3B6500002063CB6600")); err != nil || a.HasTCK || len(a.Historical) != 5 {
		t.Fatalf("T=0 ATR: %+v %v", a, err)
	}
	bad := map[string]ErrorKind{
		"3B":     ErrATRMalformed,
		"3BFF18": ErrATRMalformed,
		"3BFF1800FF8131FE55006B02091617011101434E531131808E": ErrATRChecksum,
		"3BFF1800FF8131FE55006B02091617011101434E53113180":   ErrATRMalformed,
		"3B6500002063CB660000":                               ErrATRMalformed,
		"4B00":                                               ErrATRMalformed,
	}
	for s, kind := range bad {
		_, err := ParseATR(mustHex(t, s))
		if !errors.Is(err, &Error{Kind: kind}) {
			t.Errorf("ParseATR(%s) = %v, want kind %d", s, err, kind)
		}
	}
}

func FuzzParseATR(f *testing.F) {
	for _, fam := range Families() {
		for _, a := range fam.ATRs {
			b, _ := parseHex(a.ATR)
			f.Add(b)
		}
	}
	f.Add([]byte{0x3B, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseATR(b)
		id := Identify(b)
		if id.ATR != ATRString(b) {
			t.Fatalf("ATR not echoed")
		}
		if err == nil {
			n := 2 + len(a.Historical)
			for _, g := range a.Groups {
				for _, p := range []*byte{g.TA, g.TB, g.TC, g.TD} {
					if p != nil {
						n++
					}
				}
			}
			if a.HasTCK {
				n++
			}
			if n != len(b) {
				t.Fatalf("parsed %d bytes of %d", n, len(b))
			}
		}
	})
}

// docs/cards.md lists every family of the table.
func TestDocsListFamilies(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cards.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Families() {
		if !strings.Contains(string(b), "| "+f.ID+" | "+f.Sigla+" |") {
			t.Errorf("docs/cards.md has no row for family %s (%s)", f.ID, f.Sigla)
		}
	}
}

// A card whose ATR no rule knows is a CNS when it answers with the CNS files or its token says so
// (OpenSC's itacns manufacturerID "IC: …; mask: …", a label or model naming a CNS); otherwise it stays
// unknown. A card the ATR identified keeps its identification.
func TestIdentifyWithEvidence(t *testing.T) {
	unknownATR := mustHex(t, "3B8F8001804F0CA000000306030001000000006A") // a PC/SC storage-card ATR
	base := Identify(unknownATR)
	if base.Match != MatchUnknown {
		t.Fatalf("test ATR is known: %+v", base)
	}
	cases := []struct {
		name string
		ev   Evidence
		cns  bool
	}{
		{"nothing", Evidence{}, false},
		{"EF_IDCarta alone", Evidence{Files: []string{"EF_IDCarta"}}, false},
		{"certificate file alone", Evidence{Files: []string{"EF 3F0011001101"}}, false},
		{"personal data and certificate, no EF_IDCarta", Evidence{Files: []string{"EF_DatiPersonali", "EF 3F0011001101"}}, false},
		{"EF_IDCarta and a certificate", Evidence{Files: []string{"EF_IDCarta", "EF 3F0011001101"}}, true},
		{"OpenSC token", Evidence{TokenManufacturer: "IC: Infineon; mask: Oberthur Card Systems (IDEMIA)", TokenModel: "PKCS#15 emulated"}, true},
		{"label TS-CNS", Evidence{TokenLabel: "TS-CNS"}, true},
		{"label CNS", Evidence{TokenLabel: "CNS card"}, true},
		{"other token", Evidence{TokenManufacturer: "SoftHSM project", TokenModel: "SoftHSM v2", TokenLabel: "ROSSI MARIO"}, false},
		{"word inside another", Evidence{TokenLabel: "CNSOLE"}, false},
	}
	for _, c := range cases {
		id := base.WithEvidence(c.ev)
		if got := id.Match == MatchCNSFiles && id.Kind == "CNS" && len(id.Drivers) > 0 && len(id.Evidence) > 0; got != c.cns {
			t.Errorf("%s: %+v", c.name, id)
		}
		if !c.cns && (id.Match != MatchUnknown || id.Kind != "") {
			t.Errorf("%s: changed an unknown card: %+v", c.name, id)
		}
	}
	known := Identify(mustHex(t, "3BFF1800FF8131FE55006B02091617011101434E531131808D"))
	if got := known.WithEvidence(Evidence{Files: []string{"EF_IDCarta"}}); got.Match != MatchATR || got.FamilyID != "ST" || got.Evidence != nil {
		t.Errorf("an identified card changed: %+v", got)
	}
}

// A card matching only a rule that needs the files (the IDEMIA 2021 mask) is unknown from its ATR (here
// a contactless bank card of smartcard_list.txt), and of that family once it answers with CNS files.
func TestCandidateNeedsFiles(t *testing.T) {
	bank := Identify(mustHex(t, "3B8B80010031C1640860321200900046")) // AMEX Silver Credit
	if bank.Kind != "" || bank.Known || bank.Match != MatchUnknown || bank.Candidate != "IDEMIA2021" || len(bank.Drivers) > 0 {
		t.Fatalf("ATR alone: %+v", bank)
	}
	if got := bank.WithEvidence(Evidence{}); got.Kind != "" || got.Known {
		t.Errorf("no evidence: %+v", got)
	}
	got := bank.WithEvidence(Evidence{Files: []string{"EF_IDCarta", "EF_DatiPersonali"}})
	if got.Kind != "CNS" || !got.Known || got.FamilyID != "IDEMIA2021" || got.Match != MatchCNSFiles || len(got.Evidence) != 2 {
		t.Errorf("with the CNS files: %+v", got)
	}
	// The exact short ATR the list names a TS-CNS stays an ATR match.
	if ts := Identify(mustHex(t, "3B8B80010031C16408923354009000F3")); ts.Match != MatchATR || ts.FamilyID != "IDEMIA2021" {
		t.Errorf("listed TS-CNS short ATR: %+v", ts)
	}
}

// Malformed ATRs identify nothing: empty, one byte, more than 33 bytes (ISO/IEC 7816-3 §8.2.1) even when
// a CNS's ATR or the CIE prefix starts it, and a CNS ATR cut short.
func TestMalformedATRsIdentifyNothing(t *testing.T) {
	cnsATR := mustHex(t, "3BFF1800FF8131FE55006B02091617011101434E531131808D")
	long := append(append([]byte(nil), cnsATR...), make([]byte, 34-len(cnsATR))...)
	cieLong := append(mustHex(t, "3B8F80018031806549544A34"), make([]byte, 30)...)
	for name, atr := range map[string][]byte{"empty": nil, "TS only": {0x3B}, "CNS + padding to 34": long,
		"CIE prefix, 42 bytes": cieLong, "CNS cut short": cnsATR[:len(cnsATR)-5]} {
		id := Identify(atr)
		if id.Kind != "" || id.Known || id.ATRError == "" || len(id.Drivers) > 0 {
			t.Errorf("%s: %+v", name, id)
		}
	}
}
