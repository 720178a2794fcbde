package ui

import "github.com/ponte-it/ponte/internal/protocol"

// Setup is the state of the setup check page (setup.html, "Verifica configurazione"), built on the host's
// diagnose command and on browser-login.
type Setup struct {
	Loaded  bool
	Diag    protocol.DiagnoseResult
	Login   *protocol.BrowserLoginResult // nil until asked (or when the host is too old to know the command)
	Browser string                       // "chromium", "firefox"
	PKCS11  bool                         // Firefox's browser.pkcs11 WebExtensions API is available to Ponte
	Firefox FirefoxModule                // the card's module in Firefox (firefox.go)
	Busy    bool                         // registration under way
	Error   string
}

// SetupCard is what the page says about one card: the driver its family needs and whether it is there.
type SetupCard struct {
	Reader    string
	Card      *protocol.Card
	Drivers   []protocol.DriverStatus // the rows of Diag.Drivers for this card's family
	Signature bool                    // a signature (nonRepudiation) certificate with its key
}

// SetupCards pairs each card with its drivers' status.
func SetupCards(d protocol.DiagnoseResult) []SetupCard {
	var out []SetupCard
	for _, r := range d.Readers {
		if r.Card == nil || r.Card.Problem != nil && (r.Card.Problem.Code == protocol.ErrCardRemoved || r.Card.Problem.Code == protocol.ErrNoCard) {
			continue // no card there now: diagnose's advice says so
		}
		sc := SetupCard{Reader: r.Name, Card: r.Card}
		for _, name := range r.Card.Family.Drivers {
			for _, ds := range d.Drivers {
				if ds.Driver == name {
					sc.Drivers = append(sc.Drivers, ds)
				}
			}
		}
		for _, c := range r.Card.Certificates {
			sc.Signature = sc.Signature || c.Role == "signature"
		}
		out = append(out, sc)
	}
	return out
}
