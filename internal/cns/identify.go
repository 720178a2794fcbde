package cns

import (
	"bytes"
	"fmt"
)

// How an identification was reached, strongest first.
const (
	MatchATR     = "atr"      // the exact ATR (or ATR+mask) is in the table
	MatchCNSRule = "cns-rule" // OpenSC's CNS rule on the historical bytes, refined by a family rule
	MatchCNS     = "cns"      // OpenSC's CNS rule only: a CNS of no known family
	MatchCIE     = "cie-rule" // OpenSC's CIE v2 rule
	MatchUnknown = "unknown"
)

// Identification is what the ATR says about a card.
type Identification struct {
	ATR   string `json:"atr"`             // upper-case hex, always shown for unknown cards
	Match string `json:"match"`           // one of the Match constants
	Known bool   `json:"known"`           // a family was found
	Kind  string `json:"kind"`            // "CNS", "CIE" or ""
	Label string `json:"label,omitempty"` // the ATR list's description when matched exactly

	FamilyID string   `json:"family,omitempty"`
	Sigla    string   `json:"sigla,omitempty"`
	Maker    string   `json:"maker,omitempty"`
	Drivers  []string `json:"drivers,omitempty"`
	Renewal  Renewal  `json:"renewal"`
	Note     string   `json:"note,omitempty"`
	Sources  []string `json:"sources,omitempty"` // full source texts

	ICMakerCode   int    `json:"icMakerCode,omitempty"`
	ICMaker       string `json:"icMaker,omitempty"`
	MaskMakerCode int    `json:"maskMakerCode,omitempty"`
	MaskMaker     string `json:"maskMaker,omitempty"` // the OS (mask) maker
	Firmware      string `json:"firmware,omitempty"`  // hist[4].hist[5]
	CNSVersion    string `json:"cnsVersion,omitempty"`
	RSABits       int    `json:"rsaBits,omitempty"` // expected key size

	ATRError string `json:"atrError,omitempty"` // the ATR did not parse (the card may still work)
}

// cieHist is hist[6..14] of a CIE v2 (OpenSC card-itacns.c itacns_match_cie_card).
var cieHist = []byte{0x02, 'I', 'T', 'I', 'D', 0x20, 0x20, 0x31, 0x80}

// Identify tells the family of a card from its ATR: the table's exact ATRs first, then OpenSC's CNS rule
// (15 historical bytes with "CNS" at hist[9..11]) refined by the families' maker rules, then the CIE
// rule. An unknown card comes back with Known false and its ATR.
func Identify(atr []byte) Identification {
	id := Identification{ATR: ATRString(atr), Match: MatchUnknown}
	parsed, err := ParseATR(atr)
	if err != nil {
		id.ATRError = err.Error()
	}
	hist := parsed.Historical
	isCNS := len(hist) == 15 && bytes.Equal(hist[9:12], []byte("CNS"))
	if isCNS {
		id.Kind = "CNS"
		id.Match = MatchCNS
		id.ICMakerCode, id.ICMaker = int(hist[2]), ICMaker(hist[2])
		id.MaskMakerCode, id.MaskMaker = int(hist[3]), MaskMaker(hist[3])
		id.Firmware = fmt.Sprintf("%d.%d", hist[4], hist[5])
		id.CNSVersion = fmt.Sprintf("%d.%d", hist[12]>>4, hist[12]&0x0F)
		// OpenSC itacns_init: CNS 1.1 and later (and IDEMIA 2021) carry RSA-2048, 1.0 RSA-1024.
		id.RSABits = 1024
		if hist[12]>>4 >= 1 && hist[12]&0x0F >= 1 {
			id.RSABits = 2048
		}
	}
	isCIE := len(hist) == 15 && bytes.Equal(hist[6:15], cieHist)

	for fi := range tab.Families {
		f := &tab.Families[fi]
		for ai := range f.ATRs {
			if f.ATRs[ai].matches(atr) {
				id.Match, id.Label = MatchATR, f.ATRs[ai].Label
				id.fill(f)
				return id
			}
		}
	}
	if isCNS {
		for _, f := range rulesBySpecificity() {
			if f.CNSRule.matches(hist[2], hist[3], hist[4]) {
				id.Match = MatchCNSRule
				id.fill(f)
				return id
			}
		}
		// A CNS of no known family: OpenSC can read it; the driver is a guess worth showing.
		id.Drivers = []string{"opensc"}
		id.Renewal = Renewal{PIN: true}
		return id
	}
	if isCIE {
		for fi := range tab.Families {
			if tab.Families[fi].CIERule {
				id.Match = MatchCIE
				id.fill(&tab.Families[fi])
				return id
			}
		}
	}
	return id
}

func (id *Identification) fill(f *Family) {
	id.Known = true
	id.FamilyID, id.Sigla, id.Maker = f.ID, f.Sigla, f.Maker
	id.Drivers = append([]string(nil), f.Drivers...)
	id.Renewal, id.Note = f.Renewal, f.Note
	for _, s := range f.Sources {
		id.Sources = append(id.Sources, tab.Sources[s])
	}
	if f.CIERule {
		id.Kind = "CIE"
	} else if id.Kind == "" {
		id.Kind = "CNS"
	}
	if id.ICMaker == "" && f.Chip != "" {
		id.ICMaker = f.Chip
	}
	if id.MaskMaker == "" && f.OS != "" {
		id.MaskMaker = f.OS
	}
	if id.CNSVersion == "" {
		id.CNSVersion = f.CNS
	}
	// The table's key size is what the family is issued with; the ATR's CNS version is the fallback.
	if f.RSABits != 0 {
		id.RSABits = f.RSABits
	}
}
