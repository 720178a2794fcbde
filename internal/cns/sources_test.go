package cns

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// smartcardList is where Debian's pcsc-tools installs the public ATR list (source "atrlist").
const smartcardList = "/usr/share/pcsc/smartcard_list.txt"

// parseATRList reads smartcard_list.txt: an ATR line starts in column 0 (hex pairs, '.' for a wildcard
// nibble), its description lines start with a tab. It returns each ATR (spaces removed, upper case)
// with its description.
func parseATRList(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || line[0] == '#':
			cur = ""
		case line[0] == '\t' && cur != "":
			out[cur] += strings.TrimSpace(line) + " "
		case line[0] != '\t':
			cur = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(line), " ", ""))
			out[cur] += ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every ATR rule that cites the public ATR list is an entry of the installed list, byte for byte; a
// masked rule matches the list's entry for it; "atrlist-newer" entries are not in the installed copy
// (else they would cite "atrlist").
func TestATRListRules(t *testing.T) {
	b, err := os.ReadFile(smartcardList)
	if err != nil {
		t.Skipf("%s not installed (package pcsc-tools): %v", smartcardList, err)
	}
	list := parseATRList(t, b)
	if len(list) < 1000 {
		t.Fatalf("%s: only %d entries parsed", smartcardList, len(list))
	}
	checked := 0
	for _, f := range Families() {
		for _, a := range f.ATRs {
			key := strings.ToUpper(strings.NewReplacer(" ", "", ":", "").Replace(a.ATR))
			_, listed := list[key]
			switch a.Source {
			case "atrlist":
				checked++
				if !listed {
					t.Errorf("%s: %s cites the ATR list but %s has no such entry", f.ID, a.ATR, smartcardList)
					continue
				}
				if !a.matches(mustHex(t, key)) {
					t.Errorf("%s: rule %s does not match its own list entry", f.ID, a.ATR)
				}
			case "atrlist-newer":
				if listed {
					t.Errorf("%s: %s is in the installed list: cite \"atrlist\"", f.ID, a.ATR)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d rules cite the ATR list", checked)
	}
	// The list's own CNS entries are all recognised as CNS of some family (or the generic CNS rule):
	// an entry with "CNS" at hist[9..11] never comes back unknown.
	for atr := range list {
		if strings.Contains(atr, ".") {
			continue
		}
		raw, err := parseHex(atr)
		if err != nil {
			continue
		}
		p, err := ParseATR(raw)
		if err != nil || len(p.Historical) != 15 || string(p.Historical[9:12]) != "CNS" {
			continue
		}
		if id := Identify(raw); id.Kind != "CNS" || id.Match == MatchUnknown {
			t.Errorf("list entry %s (%s) identifies as %+v", atr, list[atr], id)
		}
	}
}

// The rules citing OpenSC equal OpenSC's card-itacns.c table and its IDEMIA 2021 rule, quoted in
// testdata/opensc-itacns-atrs.txt.
func TestOpenSCRules(t *testing.T) {
	b, err := os.ReadFile("testdata/opensc-itacns-atrs.txt")
	if err != nil {
		t.Fatal(err)
	}
	type entry struct{ atr, mask string }
	var quoted []entry
	var rule *CNSRule
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "#"):
		case fields[0] == "rule":
			rule = &CNSRule{}
			for _, kv := range fields[1:] {
				k, v, _ := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("testdata: %q", kv)
				}
				switch k {
				case "ic":
					rule.IC = []int{n}
				case "mask":
					rule.Mask = []int{n}
				case "fw_min":
					rule.FWMin = n
				}
			}
		default:
			e := entry{atr: norm(fields[0])}
			if fields[1] != "-" {
				e.mask = norm(fields[1])
			}
			quoted = append(quoted, e)
		}
	}
	cited := 0
	for _, f := range Families() {
		for _, a := range f.ATRs {
			if a.Source != "opensc" || a.Prefix {
				continue // the CIE 3.0 prefix comes from OpenSC's CIE driver, not from itacns
			}
			cited++
			found := false
			for _, q := range quoted {
				found = found || q.atr == norm(a.ATR) && q.mask == norm(a.Mask)
			}
			if !found {
				t.Errorf("%s: %s/%s cites OpenSC but card-itacns.c has no such entry", f.ID, a.ATR, a.Mask)
			}
		}
	}
	if cited != len(quoted) {
		t.Errorf("%d rules cite OpenSC's table, which has %d entries", cited, len(quoted))
	}
	f, _ := FamilyByID("IDEMIA2021")
	if rule == nil || f.CNSRule == nil || f.CNSRule.specificity() != rule.specificity() ||
		!equalInts(f.CNSRule.IC, rule.IC) || !equalInts(f.CNSRule.Mask, rule.Mask) || f.CNSRule.FWMin != rule.FWMin || f.CNSRule.FWMax != 0 {
		t.Errorf("IDEMIA2021 rule %+v, OpenSC's %+v", f.CNSRule, rule)
	}
}

func norm(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", ":", "").Replace(s))
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Every sigla the portal's driver table (seed 001) and the SOGEIExtend guide (seed 000) name is in a
// family of the table, and each such family either has rules or says in atr_note why it cannot.
func TestSeedSiglas(t *testing.T) {
	for _, sigla := range []string{"AC 2013", "AC 2014", "AC 2018", "ACx 2021", "ACe 2021", "OT 2015", "OT 2016", "ID 2019", "ST 2021"} {
		var fam *Family
		for _, f := range Families() {
			if strings.Contains(f.Sigla, sigla) {
				fam = &f
				break
			}
		}
		switch {
		case fam == nil:
			t.Errorf("no family for %s", sigla)
		case len(fam.ATRs) == 0 && fam.ATRNote == "":
			t.Errorf("%s (%s): no ATR and no atr_note saying why", sigla, fam.ID)
		case fam.CNSRule == nil && len(fam.ATRs) == 0:
			t.Errorf("%s (%s): nothing identifies it", sigla, fam.ID)
		case fam.PortalPackage("linux", "amd64") == "" || fam.PortalPackage("windows", "amd64") == "" || fam.PortalPackage("darwin", "arm64") == "":
			t.Errorf("%s (%s): the portal's package is missing for an OS", sigla, fam.ID)
		}
	}
	ac, _ := FamilyByID("AC")
	if !strings.Contains(ac.RenewalDriverFor("windows"), "IDP 6.47.04") || !strings.Contains(ac.RenewalDriverFor("darwin"), "MAC-63710") || ac.RenewalDriverFor("linux") != "" {
		t.Errorf("AC renewal drivers: %v", ac.RenewalDriver)
	}
	for _, id := range []string{"OT", "IDEMIA2021", "AC"} {
		f, _ := FamilyByID(id)
		if got := f.PortalPackage("linux", "amd64"); got != "libbit4xpki-idemia-amd64.1.4.10-622.deb" {
			t.Errorf("%s on Linux: %q", id, got)
		}
	}
}

// No entry of the public ATR list is taken for a CNS unless it says so itself: an entry identified as a
// CNS either carries "CNS" at hist[9..11] (OpenSC's rule) or is one of the table's exact ATRs, whose
// sources name it a CNS. A masked or prefix rule never makes a CNS of a bank card or a foreign eID on
// its own (OpenSC's masked IDEMIA 2021 entry matches MOICA, AMEX, Monzo and the French eID in the list:
// it needs the CNS files, NeedsFiles). Wildcard nibbles are tried as 0 and as F.
func TestATRListNoFalseCNS(t *testing.T) {
	b, err := os.ReadFile(smartcardList)
	if err != nil {
		t.Skipf("%s not installed (package pcsc-tools): %v", smartcardList, err)
	}
	exact := map[string]bool{}
	for _, f := range Families() {
		for _, a := range f.ATRs {
			if a.Mask == "" && !a.Prefix {
				exact[norm(a.ATR)] = true
			}
		}
	}
	list := parseATRList(t, b)
	checked, candidates := 0, 0
	for atr, desc := range list {
		for _, fill := range []string{"0", "F"} {
			s := strings.ReplaceAll(atr, ".", fill)
			raw, err := parseHex(s)
			if err != nil {
				continue
			}
			checked++
			id := Identify(raw)
			p, _ := ParseATR(raw)
			says := len(p.Historical) == 15 && string(p.Historical[9:12]) == "CNS"
			if id.Kind == "CNS" && !says && !(id.Match == MatchATR && exact[s]) {
				t.Errorf("list entry %s (%s) identified as CNS %s by %s", atr, desc, id.FamilyID, id.Match)
			}
			if id.Candidate != "" {
				candidates++
				if id.Kind != "" || id.Known || len(id.Drivers) > 0 {
					t.Errorf("list entry %s: a rule needing files identified it alone: %+v", atr, id)
				}
			}
		}
	}
	if checked < 1000 || candidates == 0 {
		t.Fatalf("%d entries checked, %d matched a rule needing files", checked, candidates)
	}
}
