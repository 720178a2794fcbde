package p11

import (
	"sort"
	"strings"
)

// ReaderRef is a PC/SC reader with a card, as internal/cns sees it.
type ReaderRef struct {
	Name   string // PC/SC reader name
	CardID string // EF_IDCarta (16 characters), "" when not read
}

// SlotRef is a PKCS#11 slot with a token, as Module.Slots reports it.
type SlotRef struct {
	Module      string // module path: slot IDs are only unique within a module
	ID          uint
	Description string // CK_SLOT_INFO.slotDescription (64 characters, blank padded, often the reader name)
	Serial      string // CK_TOKEN_INFO.serialNumber (16 characters)
}

// Match pairs a reader with a slot, and says on what evidence.
type Match struct {
	Reader string `json:"reader"`
	Module string `json:"module"`
	SlotID uint   `json:"slot_id"`
	By     string `json:"by"` // "serial", "name" or "only"
}

// Evidence, strongest first:
//  1. "serial": the token serial equals the card id from EF_IDCarta (OpenSC's itacns driver sets the token
//     serial to EF_IDCarta; vendor middlewares use the chip serial, so this often does not apply);
//  2. "name": the slot description is the reader name, or one is a prefix of the other (PKCS#11 cuts the
//     description at 64 characters; OpenSC and the vendors use the PC/SC reader name, sometimes with a
//     suffix), compared case-insensitively with blanks trimmed, at least 8 characters in common;
//  3. "only": exactly one reader and one slot are left unmatched: they go together.
//
// Each reader and each slot is used at most once; when one piece of evidence points to several
// candidates, it is ambiguous and not used.
func MatchSlots(readers []ReaderRef, slots []SlotRef) []Match {
	var out []Match
	usedR := map[int]bool{}
	usedS := map[int]bool{}
	try := func(by string, ok func(r ReaderRef, s SlotRef) bool) {
		for i, r := range readers {
			if usedR[i] {
				continue
			}
			cand := -1
			for j, s := range slots {
				if usedS[j] || !ok(r, s) {
					continue
				}
				if cand >= 0 {
					cand = -2 // ambiguous
					break
				}
				cand = j
			}
			if cand < 0 {
				continue
			}
			// The slot must not fit another free reader just as well.
			rivals := 0
			for k, r2 := range readers {
				if !usedR[k] && k != i && ok(r2, slots[cand]) {
					rivals++
				}
			}
			if rivals > 0 {
				continue
			}
			usedR[i], usedS[cand] = true, true
			out = append(out, Match{Reader: r.Name, Module: slots[cand].Module, SlotID: slots[cand].ID, By: by})
		}
	}
	try("serial", func(r ReaderRef, s SlotRef) bool {
		id, ser := norm(r.CardID), norm(s.Serial)
		return id != "" && id == ser
	})
	try("name", func(r ReaderRef, s SlotRef) bool { return SameReaderName(r.Name, s.Description) })
	var freeR, freeS []int
	for i := range readers {
		if !usedR[i] {
			freeR = append(freeR, i)
		}
	}
	for j := range slots {
		if !usedS[j] {
			freeS = append(freeS, j)
		}
	}
	if len(freeR) == 1 && len(freeS) == 1 {
		r, s := readers[freeR[0]], slots[freeS[0]]
		out = append(out, Match{Reader: r.Name, Module: s.Module, SlotID: s.ID, By: "only"})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Reader < out[b].Reader })
	return out
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(strings.TrimRight(s, "\x00"))) }

const minNameOverlap = 8

// SameReaderName tells a slot description that names the PC/SC reader (evidence "name" above).
func SameReaderName(reader, desc string) bool {
	a, b := norm(reader), norm(desc)
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if len(a) < minNameOverlap || len(b) < minNameOverlap {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// SlotRefs describes a module's slots that hold an initialised token, for MatchSlots.
func SlotRefs(mod *Module, slots []Slot) []SlotRef {
	var out []SlotRef
	for _, s := range slots {
		if s.Token == nil || !s.Token.Initialized {
			continue
		}
		out = append(out, SlotRef{Module: mod.Path, ID: s.ID, Description: s.Description, Serial: s.Token.Serial})
	}
	return out
}
