package cns

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

// familiesJSON is the card-family table: data with its sources named in the file (docs/cards.md).
//
//go:embed families.json
var familiesJSON []byte

// Family is one row of the table: a card family as the Sistema TS driver table and the public ATR list
// know it.
type Family struct {
	ID      string `json:"id"`
	Sigla   string `json:"sigla"`
	Maker   string `json:"maker"`
	Chip    string `json:"chip"`
	OS      string `json:"os"`
	CNS     string `json:"cns"`
	RSABits int    `json:"rsa"`
	// Drivers names the PKCS#11 middleware this family works with, best first ("bit4id-xpki",
	// "bit4id-opki", "athena-idp", "safedive", "opensc", "softhsm"); host/p11 maps names to libraries.
	Drivers []string `json:"drivers"`
	Renewal Renewal  `json:"renewal"`
	// Portal names the row of the Sistema TS driver table (portal_packages) the family belongs to.
	Portal string `json:"portal,omitempty"`
	// RenewalDriver is the middleware seed 000 asks for to renew this family, by GOOS (AC 2014/2018:
	// Athena IDP on Windows and macOS).
	RenewalDriver map[string]string `json:"renewal_driver,omitempty"`
	Note          string            `json:"note,omitempty"`
	// ATRNote says which siglas of the family no public source gives an ATR for, and how Ponte tells
	// the family anyway: the table never carries invented bytes.
	ATRNote string    `json:"atr_note,omitempty"`
	CNSRule *CNSRule  `json:"cns_rule,omitempty"`
	CIERule bool      `json:"cie_rule,omitempty"`
	ATRs    []ATRSpec `json:"atrs,omitempty"`
	Sources []string  `json:"sources"`
}

// Renewal is what renewing this family's certificates asks of the user.
type Renewal struct {
	PIN      bool `json:"pin,omitempty"`
	PUK      bool `json:"puk,omitempty"`
	Reinsert bool `json:"reinsert,omitempty"` // remove and reinsert the card afterwards
}

// CNSRule refines OpenSC's generic CNS rule by the historical bytes: IC maker (hist[2]), mask maker
// (hist[3]) and firmware major version (hist[4]). Empty lists and zero bounds match anything.
type CNSRule struct {
	IC    []int `json:"ic,omitempty"`
	Mask  []int `json:"mask,omitempty"`
	FWMin int   `json:"fw_min,omitempty"`
	FWMax int   `json:"fw_max,omitempty"`
}

// ATRSpec is one known ATR: exact, with a mask (ATR & mask == pattern & mask), or a prefix.
type ATRSpec struct {
	ATR    string `json:"atr"`
	Mask   string `json:"mask,omitempty"`
	Prefix bool   `json:"prefix,omitempty"`
	Label  string `json:"label"`
	Source string `json:"source"`
	// NeedsFiles marks a rule that other cards match too (OpenSC's masked IDEMIA 2021 entry keeps only
	// the 8 bytes every contactless IDEMIA Cosmo answers with: smartcard_list.txt lists bank cards, the
	// French and Taiwanese eIDs under it): the family holds only once the card also answers with the CNS
	// files (Identification.WithEvidence); until then the card is unknown and no PIN is asked about.
	NeedsFiles bool `json:"needs_files,omitempty"`

	pattern, mask []byte
}

type table struct {
	About      string            `json:"about"`
	Sources    map[string]string `json:"sources"`
	ICMakers   []string          `json:"ic_makers"`
	MaskMakers []string          `json:"mask_makers"`
	// PortalPackages is seed 001's table: per portal group, the package offered for each GOOS
	// ("linux", "darwin", "windows"; "-386" suffixed for 32-bit).
	PortalPackages map[string]json.RawMessage `json:"portal_packages"`
	Families       []Family                   `json:"families"`

	portal map[string]map[string]string
}

var tab = mustLoad(familiesJSON)

func mustLoad(b []byte) *table {
	t, err := loadTable(b)
	if err != nil {
		panic("internal/cns/families.json: " + err.Error())
	}
	return t
}

func loadTable(b []byte) (*table, error) {
	var t table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	if err := t.loadPortal(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for fi := range t.Families {
		f := &t.Families[fi]
		if f.ID == "" || seen[f.ID] {
			return nil, fmt.Errorf("family %d: empty or duplicate id %q", fi, f.ID)
		}
		seen[f.ID] = true
		for _, s := range f.Sources {
			if _, ok := t.Sources[s]; !ok {
				return nil, fmt.Errorf("family %s: unknown source %q", f.ID, s)
			}
		}
		if _, ok := t.portal[f.Portal]; f.Portal != "" && !ok {
			return nil, fmt.Errorf("family %s: unknown portal group %q", f.ID, f.Portal)
		}
		if s := f.RenewalDriver["source"]; f.RenewalDriver != nil && t.Sources[s] == "" {
			return nil, fmt.Errorf("family %s: renewal_driver has no known source", f.ID)
		}
		for ai := range f.ATRs {
			a := &f.ATRs[ai]
			p, err := parseHex(a.ATR)
			if err != nil {
				return nil, fmt.Errorf("family %s: %w", f.ID, err)
			}
			a.pattern = p
			a.mask = make([]byte, len(p))
			for i := range a.mask {
				a.mask[i] = 0xFF
			}
			if a.Mask != "" {
				m, err := parseHex(a.Mask)
				if err != nil || len(m) != len(p) {
					return nil, fmt.Errorf("family %s: mask %q does not fit ATR %q", f.ID, a.Mask, a.ATR)
				}
				a.mask = m
			}
			if _, ok := t.Sources[a.Source]; !ok {
				return nil, fmt.Errorf("family %s: ATR %s: unknown source %q", f.ID, a.ATR, a.Source)
			}
		}
	}
	return &t, nil
}

// loadPortal reads portal_packages: "about" and "source" are text, every other key a group.
func (t *table) loadPortal() error {
	t.portal = map[string]map[string]string{}
	for k, raw := range t.PortalPackages {
		if k == "about" || k == "source" {
			continue
		}
		var g map[string]string
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("portal_packages %s: %w", k, err)
		}
		t.portal[k] = g
	}
	var src string
	if err := json.Unmarshal(t.PortalPackages["source"], &src); err != nil || t.Sources[src] == "" {
		return fmt.Errorf("portal_packages: no known source")
	}
	return nil
}

// PortalPackage is the package the Sistema TS portal offers for this family on goos/goarch (seed 001),
// "" when the portal offers none (the family is not a TS-CNS of the table, or the OS is not listed).
func (f Family) PortalPackage(goos, goarch string) string {
	g := tab.portal[f.Portal]
	if goarch == "386" {
		if p := g[goos+"-386"]; p != "" {
			return p
		}
	}
	return g[goos]
}

// RenewalDriverFor is the middleware seed 000 asks for to renew this family on goos, "" when none.
func (f Family) RenewalDriverFor(goos string) string {
	if goos == "source" {
		return ""
	}
	return f.RenewalDriver[goos]
}

// Families returns the table rows, in table order.
func Families() []Family { return append([]Family(nil), tab.Families...) }

// FamilyByID returns the row with that id ("AC", "ST", ...).
func FamilyByID(id string) (Family, bool) {
	for _, f := range tab.Families {
		if f.ID == id {
			return f, true
		}
	}
	return Family{}, false
}

// Sources returns the table's sources by key, for the documentation and diagnose.
func Sources() map[string]string {
	m := make(map[string]string, len(tab.Sources))
	for k, v := range tab.Sources {
		m[k] = v
	}
	return m
}

// ICMaker names an ISO/IEC 7816-6 IC manufacturer code ("Unknown" when not registered here).
func ICMaker(code byte) string { return nameOf(tab.ICMakers, code) }

// MaskMaker names a CNS mask (operating system) manufacturer code.
func MaskMaker(code byte) string { return nameOf(tab.MaskMakers, code) }

func nameOf(names []string, code byte) string {
	if int(code) < len(names) {
		return names[code]
	}
	return names[0]
}

func (a *ATRSpec) matches(atr []byte) bool {
	if a.Prefix {
		if len(atr) < len(a.pattern) {
			return false
		}
		atr = atr[:len(a.pattern)]
	} else if len(atr) != len(a.pattern) {
		return false
	}
	for i := range atr {
		if atr[i]&a.mask[i] != a.pattern[i]&a.mask[i] {
			return false
		}
	}
	return true
}

func (r *CNSRule) matches(ic, mask, fw byte) bool {
	in := func(list []int, v byte) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == int(v) {
				return true
			}
		}
		return false
	}
	return in(r.IC, ic) && in(r.Mask, mask) &&
		(r.FWMin == 0 || int(fw) >= r.FWMin) && (r.FWMax == 0 || int(fw) <= r.FWMax)
}

// specificity orders rules: the one with more constraints wins.
func (r *CNSRule) specificity() int {
	n := 0
	if len(r.IC) > 0 {
		n++
	}
	if len(r.Mask) > 0 {
		n++
	}
	if r.FWMin > 0 || r.FWMax > 0 {
		n++
	}
	return n
}

// rulesBySpecificity lists the families with a CNS rule, most specific first, table order on ties.
func rulesBySpecificity() []*Family {
	var out []*Family
	for i := range tab.Families {
		if tab.Families[i].CNSRule != nil {
			out = append(out, &tab.Families[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].CNSRule.specificity() > out[j].CNSRule.specificity()
	})
	return out
}

// ExactATR returns the family's first exact ATR (no mask, no prefix): the ATR a virtual card of the
// family answers with.
func (f Family) ExactATR() ([]byte, bool) {
	for _, a := range f.ATRs {
		if a.Mask == "" && !a.Prefix {
			return append([]byte(nil), a.pattern...), true
		}
	}
	return nil, false
}
