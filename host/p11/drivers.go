package p11

import (
	"os"
	"runtime"
	"strings"
)

// Driver is one PKCS#11 middleware a card family can need: where its library lives on each operating
// system and what to tell the user when it is missing. internal/cns names drivers by Name.
//
// Paths may contain $TRIPLET (the Debian multiarch directory for the running architecture, e.g.
// x86_64-linux-gnu) and $SYSTEM32 (%SystemRoot%\System32). Windows entries without a directory are DLL
// names that the loader finds through the standard search path (System32 first).
type Driver struct {
	Name    string   // stable key used by the card-family table
	Product string   // what the user installs, as the vendor calls it
	Linux   []string // candidate library paths, most likely first
	Darwin  []string
	Windows []string
	HintIT  string // plain-words install hint, Italian
	HintEN  string // the same, English
	Source  string // where the names and paths come from
	// TestOnly drivers (SoftHSM) are loaded only when a family or the user names them, never by the
	// search over every installed module: a workstation's SoftHSM tokens are not cards.
	TestOnly bool
}

// Drivers is the driver table. A new middleware is one entry; a new install location is one line.
var Drivers = []Driver{
	{
		Name:    "bit4id-xpki",
		Product: "bit4id xpki (the Sistema TS portal's libbit4xpki-idemia package)",
		Linux: []string{
			"/usr/lib/bit4id/libbit4xpki.so", "/usr/lib/libbit4xpki.so", "/usr/lib64/libbit4xpki.so",
			"/usr/lib/$TRIPLET/libbit4xpki.so", "/usr/local/lib/bit4id/libbit4xpki.so", "/usr/local/lib/libbit4xpki.so",
		},
		Darwin: []string{
			"/Library/bit4id/pkcs11/libbit4xpki.dylib", "/usr/local/lib/bit4id/libbit4xpki.dylib",
			"/usr/local/lib/libbit4xpki.dylib",
		},
		Windows: []string{"$SYSTEM32\\bit4xpki.dll", "bit4xpki.dll"},
		HintIT: "Installare il driver bit4id xpki (\"bit4id_xpki\"; su Linux il pacchetto libbit4xpki-idemia) scaricabile dal " +
			"portale Sistema TS, pagina \"Elenco driver\", poi reinserire la tessera.",
		HintEN: "Install the bit4id xpki driver (\"bit4id_xpki\"; on Linux the libbit4xpki-idemia package) from the Sistema TS " +
			"portal, \"Elenco driver\" page, then reinsert the card.",
		Source: "seeds 000 and 001 (Sistema TS driver list); CARDS.md",
	},
	{
		Name:    "bit4id-opki",
		Product: "bit4id opki module (libbit4opki, installed by the portal's libbit4xpki-idemia package)",
		Linux: []string{
			"/usr/lib/bit4id/libbit4opki.so", "/usr/lib/libbit4opki.so", "/usr/lib64/libbit4opki.so",
			"/usr/lib/$TRIPLET/libbit4opki.so", "/usr/local/lib/bit4id/libbit4opki.so", "/usr/local/lib/libbit4opki.so",
		},
		Darwin: []string{
			"/Library/bit4id/pkcs11/libbit4opki.dylib", "/usr/local/lib/bit4id/libbit4opki.dylib",
			"/usr/local/lib/libbit4opki.dylib",
		},
		Windows: []string{"$SYSTEM32\\bit4opki.dll", "bit4opki.dll"},
		// The portal offers no package named after libbit4opki: its libbit4xpki-idemia package installs the
		// library in /usr/lib/bit4id/ (source "bit4id-idemia-linux" of internal/cns/families.json).
		HintIT: "Installare il driver bit4id xpki (\"bit4id_xpki\"; su Linux il pacchetto libbit4xpki-idemia, che " +
			"contiene libbit4opki) scaricabile dal portale Sistema TS, pagina \"Elenco driver\", poi reinserire la tessera.",
		HintEN: "Install the bit4id xpki driver (\"bit4id_xpki\"; on Linux the libbit4xpki-idemia package, which " +
			"contains libbit4opki) from the Sistema TS portal, \"Elenco driver\" page, then reinsert the card.",
		Source: "seed 001 (one bit4id package for every Actalis/Oberthur-IDEMIA family); micheleb26/Configurazione-lettore-tessere-linux README (the package's /usr/lib/bit4id/libbit4opki.so)",
	},
	{
		Name:    "athena-idp",
		Product: "Athena IDProtect (IDP)",
		Linux: []string{
			"/usr/lib/x64-athena/libASEP11.so", "/usr/lib/libASEP11.so", "/usr/lib64/libASEP11.so",
			"/usr/lib/$TRIPLET/libASEP11.so", "/usr/local/lib/libASEP11.so",
		},
		Darwin: []string{
			"/Library/Application Support/Athena/libASEP11.dylib", "/usr/local/lib/libASEP11.dylib",
		},
		Windows: []string{"$SYSTEM32\\asepkcs.dll", "asepkcs.dll"},
		HintIT: "Installare il software Athena IDP (IDProtect, versione 6.47.04 o successiva per Windows; per macOS " +
			"il pacchetto IDP indicato dal portale Sistema TS), poi reinserire la tessera. Serve per le tessere " +
			"AC 2013, AC 2014 e AC 2018.",
		HintEN: "Install the Athena IDP software (IDProtect, 6.47.04 or later on Windows; on macOS the IDP package " +
			"linked from the Sistema TS portal), then reinsert the card. AC 2013, AC 2014 and AC 2018 cards need it.",
		Source: "seed 000 (AC 2014/2018 need IDP 6.47.04; macOS IDP package); CARDS.md",
	},
	{
		Name:    "safedive",
		Product: "SafeDive (STMicroelectronics / Incard)",
		Linux: []string{
			"/usr/lib/libstpkcs11.so", "/usr/lib64/libstpkcs11.so", "/usr/lib/$TRIPLET/libstpkcs11.so",
			"/usr/local/lib/libstpkcs11.so", "/opt/SafeDive/lib/libstpkcs11.so",
		},
		Darwin:  []string{"/usr/local/lib/libstpkcs11.dylib", "/Library/SafeDive/libstpkcs11.dylib"},
		Windows: []string{"$SYSTEM32\\stpkcs11.dll", "stpkcs11.dll"},
		HintIT: "Installare SafeDive 2022 (versione 4.6 o successiva) scaricabile dal portale Sistema TS, pagina " +
			"\"Elenco driver\", poi reinserire la tessera. Serve per le tessere ST 2021 e ST 2022.",
		HintEN: "Install SafeDive 2022 (4.6 or later) from the Sistema TS portal, \"Elenco driver\" page, then " +
			"reinsert the card. ST 2021 and ST 2022 cards need it.",
		Source: "seed 001 (SafeDive2022 for ST 2021); library name from CARDS.md, install paths unverified",
	},
	{
		Name:    "opensc",
		Product: "OpenSC",
		Linux: []string{
			"/usr/lib/$TRIPLET/opensc-pkcs11.so", "/usr/lib64/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so",
			"/usr/lib/pkcs11/opensc-pkcs11.so", "/usr/lib64/pkcs11/opensc-pkcs11.so", "/usr/local/lib/opensc-pkcs11.so",
		},
		Darwin: []string{
			"/Library/OpenSC/lib/opensc-pkcs11.so", "/opt/homebrew/lib/opensc-pkcs11.so",
			"/usr/local/lib/opensc-pkcs11.so",
		},
		Windows: []string{"$SYSTEM32\\opensc-pkcs11.dll", "opensc-pkcs11.dll"},
		HintIT: "Installare OpenSC (su Debian/Ubuntu: sudo apt install opensc-pkcs11; su macOS e Windows: " +
			"https://github.com/OpenSC/OpenSC/releases). Permette lettura e firma, non il rinnovo dei certificati.",
		HintEN: "Install OpenSC (Debian/Ubuntu: sudo apt install opensc-pkcs11; macOS and Windows: " +
			"https://github.com/OpenSC/OpenSC/releases). It reads and signs; it cannot renew certificates.",
		Source: "Debian package opensc-pkcs11 file list; OpenSC installers",
	},
	{
		Name:    "softhsm",
		Product: "SoftHSM v2 (virtual card for tests and the demo)",
		Linux: []string{
			"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/$TRIPLET/softhsm/libsofthsm2.so",
			"/usr/lib64/pkcs11/libsofthsm2.so", "/usr/lib64/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so",
		},
		Darwin: []string{
			"/opt/homebrew/lib/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so",
		},
		Windows:  []string{"C:\\SoftHSM2\\lib\\softhsm2-x64.dll", "softhsm2-x64.dll"},
		HintIT:   "Installare SoftHSM2 (su Debian/Ubuntu: sudo apt install softhsm2).",
		HintEN:   "Install SoftHSM2 (Debian/Ubuntu: sudo apt install softhsm2).",
		Source:   "Debian package libsofthsm2 (/usr/lib/softhsm); Ubuntu, Fedora and Homebrew layouts",
		TestOnly: true,
	},
}

// DriverByName finds a driver of the table.
func DriverByName(name string) (Driver, bool) {
	for _, d := range Drivers {
		if d.Name == name {
			return d, true
		}
	}
	return Driver{}, false
}

// Candidates are the library paths to try for this driver on goos/goarch, placeholders expanded.
func (d Driver) Candidates(goos, goarch string) []string {
	var in []string
	switch goos {
	case "linux":
		in = d.Linux
	case "darwin":
		in = d.Darwin
	case "windows":
		in = d.Windows
	}
	sys32 := windowsRoot() + `\System32`
	out := make([]string, 0, len(in))
	for _, p := range in {
		p = strings.ReplaceAll(p, "$TRIPLET", multiarch(goarch))
		p = strings.ReplaceAll(p, "$SYSTEM32", sys32)
		out = append(out, p)
	}
	return out
}

// multiarch is the Debian multiarch triplet for a Go architecture (Debian policy §9.1.1).
func multiarch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	case "386":
		return "i386-linux-gnu"
	case "arm":
		return "arm-linux-gnueabihf"
	}
	return goarch + "-linux-gnu"
}

func windowsRoot() string {
	if runtime.GOOS == "windows" {
		if r := os.Getenv("SystemRoot"); r != "" {
			return r
		}
	}
	return `C:\Windows`
}
