package ui

import (
	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/protocol"
)

// FirefoxModule is the card's PKCS#11 module in Firefox, registered through the WebExtensions API
// browser.pkcs11 (MDN, "pkcs11") from the manifest `ponte-host install` writes (host/install/pkcs11.go):
// with it loaded Firefox offers the card for TLS client authentication.
type FirefoxModule struct {
	Names     []string      // manifest names to try, from the modules diagnose reports (FirefoxModuleNames)
	Name      string        // the one Firefox has loaded
	Installed bool          // Firefox has it loaded
	Slots     []FirefoxSlot // browser.pkcs11.getModuleSlots
	Error     string        // why registering failed, IT / EN with Firefox's own words
}

// FirefoxSlot is one slot of the module and the token in it ("" when empty).
type FirefoxSlot struct {
	Name  string
	Token string
}

// FirefoxModuleNames are the PKCS#11 manifest names for the cards' modules, as ponte-host install names
// them (ids.PKCS11ModuleName): by driver for a driver of the table, by library file for a module the user
// named (PONTE_PKCS11_MODULE or the configuration file). Best first, no repeats.
func FirefoxModuleNames(d protocol.DiagnoseResult) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, sc := range SetupCards(d) {
		tok := sc.Card.Token
		if tok == nil {
			continue
		}
		if tok.Driver != "" {
			add(ids.PKCS11ModuleName(tok.Driver))
		}
		if tok.Module != "" {
			add(ids.PKCS11ModuleName(tok.Module))
		}
	}
	return out
}
