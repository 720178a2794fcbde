package cns

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
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
	// Evidence lists what a card the ATR did not identify said about itself (MatchCNSFiles).
	Evidence []string `json:"evidence,omitempty"`
	// Candidate is the family of a rule the ATR matched that holds only with the CNS files as evidence
	// (ATRSpec.NeedsFiles); the card stays unknown until WithEvidence confirms it.
	Candidate string `json:"candidate,omitempty"`
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
			if f.ATRs[ai].Prefix && id.ATRError != "" {
				continue // a prefix says nothing of what follows it: a malformed ATR is not a known card
			}
			if f.ATRs[ai].matches(atr) && f.ATRs[ai].NeedsFiles {
				if id.Candidate == "" {
					id.Candidate = f.ID
				}
			} else if f.ATRs[ai].matches(atr) {
				id.Match, id.Label, id.Candidate = MatchATR, f.ATRs[ai].Label, ""
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

// MatchCNSFiles is a card whose ATR no rule knows but which says it is a CNS: it has the CNS files
// (EF_IDCarta, EF_DatiPersonali, the certificate files of DF 1100 / DF 1400) or a PKCS#11 token that
// describes itself as one.
const MatchCNSFiles = "cns-files"

// Evidence is what a card says about itself beyond its ATR: the CNS files it answered with and what its
// PKCS#11 token reports (CK_TOKEN_INFO manufacturerID, model, label).
type Evidence struct {
	Files                         []string // names of the CNS files read ("EF_IDCarta", "EF_DatiPersonali", "CNS0", "CNS1")
	TokenManufacturer, TokenModel string
	TokenLabel                    string
}

// tokenSaysCNS: OpenSC's CNS emulation sets manufacturerID to "IC: <maker>; mask: <maker>"
// (pkcs15-itacns.c itacns_init) and the label to the holder's name or "CNS card"; other middlewares
// name the card in the label or model.
func (e Evidence) tokenSaysCNS() bool {
	m := e.TokenManufacturer
	if strings.HasPrefix(m, "IC: ") && strings.Contains(m, "; mask: ") {
		return true
	}
	for _, s := range []string{e.TokenModel, e.TokenLabel, m} {
		for _, w := range strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool { return r < 'A' || r > 'Z' }) {
			if w == "CNS" || w == "TSCNS" {
				return true
			}
		}
	}
	return false
}

// filesSayCNS: EF_IDCarta (the CNS's own file, DF 1000) and at least one more CNS file. Every CNS has
// EF_IDCarta, EF_DatiPersonali and the authentication certificate readable without PIN; one file at one
// of these paths alone is what another card's file system can happen to have, and a card taken for a
// CNS is asked for its PIN tries and gets OpenSC loaded.
func (e Evidence) filesSayCNS() bool {
	return len(e.Files) >= 2 && slices.Contains(e.Files, "EF_IDCarta")
}

// WithEvidence identifies a card the ATR left unknown from what it says about itself: a card with CNS
// files or a token describing itself as a CNS is a CNS of no recognised family (MatchCNSFiles), listed
// with that evidence, and the driver search still runs for it (OpenSC reads every CNS, card-itacns.c);
// one whose ATR matched a rule that needs the files (Candidate) is of that rule's family. A card the ATR
// already identified is returned as it is.
func (id Identification) WithEvidence(e Evidence) Identification {
	if id.Match != MatchUnknown {
		return id
	}
	var seen []string
	if e.filesSayCNS() {
		seen = append(seen, e.Files...)
	}
	if e.tokenSaysCNS() {
		for _, kv := range [][2]string{{"manufacturer", e.TokenManufacturer}, {"model", e.TokenModel}, {"label", e.TokenLabel}} {
			if v := strings.TrimSpace(kv[1]); v != "" {
				seen = append(seen, "token "+kv[0]+": "+v)
			}
		}
	}
	if len(seen) == 0 {
		return id
	}
	if f, ok := FamilyByID(id.Candidate); ok {
		id.fill(&f)
	} else {
		id.Drivers = []string{"opensc"}
		id.Renewal = Renewal{PIN: true}
	}
	id.Kind, id.Match, id.Evidence = "CNS", MatchCNSFiles, seen
	return id
}
