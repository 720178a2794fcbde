// Package cns knows the Italian CNS/TS-CNS card: which family a card belongs to (from its ATR and a data
// table of public sources), and the files any reader may read without PIN (EF_IDCarta, EF_DatiPersonali).
// It is plain Go and compiles for js/wasm too.
package cns

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ATR is an Answer-To-Reset parsed as ISO/IEC 7816-3:2006 §8.2 describes it.
type ATR struct {
	Raw []byte
	// TS is the initial character: 0x3B direct convention, 0x3F inverse convention (§8.1).
	TS byte
	// T0 is the format byte: Y1 in the high nibble, K (number of historical bytes) in the low one.
	T0 byte
	// Groups are the interface bytes TAi, TBi, TCi, TDi for i = 1, 2, ... (§8.2.3).
	Groups []InterfaceGroup
	// Protocols lists the protocols T announced by TD bytes, in order (T=0 when there is no TD1).
	Protocols []int
	// Historical are the K historical bytes (§8.2.4; their content is ISO/IEC 7816-4 §12.1.1).
	Historical []byte
	// TCK is the check byte, present when any protocol other than T=0 is indicated (§8.2.5).
	TCK    byte
	HasTCK bool
}

// InterfaceGroup holds the interface bytes of one group i; nil means absent.
type InterfaceGroup struct {
	TA, TB, TC, TD *byte
}

// ParseATR parses and checks an ATR: length limits, interface bytes, historical bytes and the TCK
// (exclusive-or of T0..TCK must be zero, §8.2.5).
func ParseATR(b []byte) (ATR, error) {
	a := ATR{Raw: append([]byte(nil), b...)}
	if len(b) < 2 {
		return a, newError(ErrATRMalformed, "ATR too short (%d bytes)", len(b))
	}
	if len(b) > 33 { // §8.2.1: at most 32 characters after TS
		return a, newError(ErrATRMalformed, "ATR too long (%d bytes)", len(b))
	}
	a.TS = b[0]
	if a.TS != 0x3B && a.TS != 0x3F {
		return a, newError(ErrATRMalformed, "invalid initial character TS: %02X", a.TS)
	}
	a.T0 = b[1]
	k := int(a.T0 & 0x0F)
	y := a.T0 >> 4
	i := 2
	needTCK := false
	for group := 1; ; group++ {
		var g InterfaceGroup
		for bit, dst := range []**byte{&g.TA, &g.TB, &g.TC, &g.TD} {
			if y&(1<<bit) == 0 {
				continue
			}
			if i >= len(b) {
				return a, newError(ErrATRMalformed, "ATR truncated in interface bytes of group %d", group)
			}
			v := b[i]
			*dst = &v
			i++
		}
		a.Groups = append(a.Groups, g)
		if g.TD == nil {
			break
		}
		t := int(*g.TD & 0x0F)
		a.Protocols = append(a.Protocols, t)
		if t != 0 {
			needTCK = true
		}
		y = *g.TD >> 4
	}
	if len(a.Protocols) == 0 {
		a.Protocols = []int{0}
	}
	if i+k > len(b) {
		return a, newError(ErrATRMalformed, "ATR truncated: %d historical bytes expected, %d present", k, len(b)-i)
	}
	a.Historical = append([]byte(nil), b[i:i+k]...)
	i += k
	if needTCK {
		if i >= len(b) {
			return a, newError(ErrATRMalformed, "check byte TCK missing")
		}
		a.TCK, a.HasTCK = b[i], true
		var x byte
		for _, c := range b[1 : i+1] {
			x ^= c
		}
		if x != 0 {
			return a, newError(ErrATRChecksum, "wrong check byte TCK (%02X)", a.TCK)
		}
		i++
	}
	if i != len(b) {
		return a, newError(ErrATRMalformed, "%d extra bytes after the end of the ATR", len(b)-i)
	}
	return a, nil
}

// ATRString formats an ATR as upper-case hex, the way the public ATR list writes it without spaces.
func ATRString(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// parseHex reads hex with optional spaces or colons ("3B FF 18", "3b:ff:18", "3BFF18").
func parseHex(s string) ([]byte, error) {
	r := strings.NewReplacer(" ", "", ":", "", "\t", "")
	b, err := hex.DecodeString(r.Replace(s))
	if err != nil {
		return nil, fmt.Errorf("bad hex %q: %w", s, err)
	}
	return b, nil
}
