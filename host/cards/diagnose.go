package cards

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// probeTimeout bounds loading one module in the probe child: a vendor library that hangs or crashes is
// reported, not fatal.
const probeTimeout = 20 * time.Second

// Diagnose reports the service, readers, cards, drivers and certificates, and the advice that follows.
func (s *Service) Diagnose(ctx context.Context) (protocol.DiagnoseResult, *protocol.Error) {
	res := protocol.DiagnoseResult{Version: buildinfo.Version, OS: runtime.GOOS + "/" + runtime.GOARCH}
	if _, err := s.PCSC(); err != nil {
		res.PCSC.Error = err.Error()
	} else {
		res.PCSC.OK = true
	}
	cards, pe := s.Cards(ctx)
	if pe != nil {
		return res, pe
	}
	res.Readers = cards.Readers

	drivers := map[string]bool{}
	needed := map[string]bool{} // drivers of cards no module sees: only their absence is worth a hint
	for _, r := range res.Readers {
		if r.Card != nil {
			for _, d := range r.Card.Family.Drivers {
				drivers[d] = true
				needed[d] = needed[d] || r.Card.Token == nil
			}
		}
	}
	var names []string
	for d := range drivers {
		names = append(names, d)
	}
	sort.Strings(names)
	exe, _ := os.Executable()
	probe := func(path string) p11.ProbeResult { return p11.ProbeSubprocess(ctx, exe, path, probeTimeout) }
	var hints []protocol.Advice
	for _, d := range p11.DiagnoseDrivers(s.Locator, names, probe) {
		res.Drivers = append(res.Drivers, protocol.DriverStatus{Driver: d.Driver, Product: d.Product, Source: d.Source,
			Installed: d.Installed, Path: d.Path, Loads: d.Loads, Tokens: d.Tokens, Error: d.Error})
		if d.HintIT != "" && (d.Source != "driver" || needed[d.Driver]) {
			hints = append(hints, protocol.Advice{Level: "error", IT: d.HintIT, EN: d.HintEN})
		}
	}
	res.Advice = advise(res, hints, time.Now())
	return res, nil
}

// advise turns what was seen into what to do, most blocking first.
func advise(res protocol.DiagnoseResult, driverHints []protocol.Advice, now time.Time) []protocol.Advice {
	var out []protocol.Advice
	add := func(level, it, en string) { out = append(out, protocol.Advice{Level: level, IT: it, EN: en}) }
	if !res.PCSC.OK {
		add("error", "Il servizio delle smart card non risponde. Linux: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket; macOS e Windows: riavviare il computer dopo aver collegato il lettore.",
			"The smart card service does not answer. Linux: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket; macOS and Windows: restart after plugging in the reader.")
	}
	cards := 0
	for _, r := range res.Readers {
		if r.Card != nil {
			cards++
		}
	}
	switch {
	case res.PCSC.OK && len(res.Readers) == 0:
		add("error", "Nessun lettore collegato: collega il lettore di smart card (se è collegato, prova un'altra porta USB).",
			"No reader connected: plug in the smart card reader (if it is plugged in, try another USB port).")
	case len(res.Readers) > 0 && cards == 0:
		add("error", "Smartcard non inserita: inserisci la tessera nel lettore con il chip verso i contatti.",
			"No card inserted: put the card in the reader with the chip towards the contacts.")
	}
	out = append(out, driverHints...)
	for _, r := range res.Readers {
		c := r.Card
		if c == nil {
			continue
		}
		if c.Problem != nil {
			problem := words.M(c.Problem.Code)
			add("error", r.Name+": "+extension.Catalog("it").Say(problem), r.Name+": "+extension.Catalog("en").Say(problem))
		}
		if !c.Family.Known && c.ATR != "" {
			add("warn", "Tessera non riconosciuta (ATR "+c.ATR+"): Ponte proverà i driver configurati; segnala l'ATR per aggiungerla.",
				"Card not recognised (ATR "+c.ATR+"): Ponte tries the configured drivers; report the ATR so it can be added.")
		}
		driverAdvice(c, add)
		signature := false
		for _, cert := range c.Certificates {
			if cert.Role == "signature" {
				signature = true
			}
			if cert.KeyBits > 0 && cert.KeyBits < 2048 {
				add("warn", fmt.Sprintf("Il certificato %s ha una chiave RSA da %d bit: molti verificatori rifiutano le firme con chiavi sotto i 2048 bit.", cert.Role, cert.KeyBits),
					fmt.Sprintf("The %s certificate has a %d-bit RSA key: many validators refuse signatures with keys under 2048 bits.", cert.Role, cert.KeyBits))
			}
			if x, err := x509.ParseCertificate(cert.DER); err == nil {
				switch d := x.NotAfter.Sub(now); {
				case d < 0:
					add("error", "Il certificato "+cert.Role+" è scaduto il "+itime.Date(x.NotAfter)+".", "The "+cert.Role+" certificate expired on "+itime.Date(x.NotAfter)+".")
				case d < 30*24*time.Hour:
					add("warn", "Il certificato "+cert.Role+" scade il "+itime.Date(x.NotAfter)+": rinnovalo ora.", "The "+cert.Role+" certificate expires on "+itime.Date(x.NotAfter)+": renew it now.")
				}
			}
		}
		if len(c.Certificates) > 0 && !signature {
			add("info", "La tessera ha solo il certificato di autenticazione (CNS): serve per accedere ai portali, ma una firma fatta con esso non è una firma qualificata. Per firmare documenti attiva il certificato di firma presso l'ente emettitore.",
				"The card only has the authentication (CNS) certificate: it logs you in to portals, but a signature made with it is not a qualified signature. To sign documents, activate the signature certificate with the issuer.")
		}
	}
	if len(out) == 0 {
		add("ok", "Tutto pronto: la tessera è leggibile e i certificati sono visibili.", "All set: the card is readable and its certificates are visible.")
	}
	return out
}

// driverAdvice names, for a card no module sees, the package the Sistema TS portal offers for its family
// on this OS (seed 001) rather than a library name; and, for a family whose renewal needs its own
// middleware here (AC 2014/2018 on Windows and macOS: Athena IDP, seed 000), that one.
func driverAdvice(c *protocol.Card, add func(level, it, en string)) {
	name := c.Family.Sigla
	if name == "" {
		name = c.Family.Name
	}
	switch {
	case c.Token != nil || len(c.Family.Drivers) == 0:
	case c.Family.Package != "":
		add("error", fmt.Sprintf("La tessera %s è leggibile ma nessun driver PKCS#11 la vede: installa il driver che il portale Sistema TS offre per questa tessera, %s (pagina \"Elenco driver\"), poi reinserisci la tessera.", name, c.Family.Package),
			fmt.Sprintf("The %s card is readable but no PKCS#11 driver sees it: install the driver the Sistema TS portal offers for this card, %s (\"Elenco driver\" page), then reinsert the card.", name, c.Family.Package))
	default:
		add("error", fmt.Sprintf("La tessera %s è leggibile ma nessun driver PKCS#11 la vede: installa %s.", name, c.Family.Drivers[0]),
			fmt.Sprintf("The %s card is readable but no PKCS#11 driver sees it: install %s.", name, c.Family.Drivers[0]))
	}
	if c.Family.RenewalDriver != "" {
		add("info", fmt.Sprintf("Per rinnovare il certificato di una tessera %s su questo sistema operativo serve il driver %s (guida SOGEIExtend).", name, c.Family.RenewalDriver),
			fmt.Sprintf("Renewing the certificate of a %s card on this operating system needs the %s driver (SOGEIExtend guide).", name, c.Family.RenewalDriver))
	}
}
