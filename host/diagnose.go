package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
)

// diagnoseCmd is `ponte-host diagnose [--json] [--lang en]`: the same report as the protocol command,
// for a person (default) or a script.
func diagnoseCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "JSON per gli script / JSON for scripts")
	lang := fs.String("lang", "it", "lingua del testo (it, en) / language of the text")
	if fs.Parse(args) != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, perr := cards.New().Diagnose(ctx)
	if perr != nil {
		fmt.Fprintln(stderr, "ponte-host:", extension.Catalog(*lang).Say(perr.Words()...), "("+perr.Message+")")
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return 1
		}
		return 0
	}
	writeDiagnosis(stdout, res, *lang)
	return 0
}

func writeDiagnosis(w io.Writer, res protocol.DiagnoseResult, lang string) {
	t := func(it, en string) string {
		if lang == "en" {
			return en
		}
		return it
	}
	fmt.Fprintf(w, "Ponte %s (%s)\n\n", res.Version, res.OS)
	if res.PCSC.OK {
		fmt.Fprintln(w, t("Servizio smart card: attivo", "Smart card service: running"))
	} else {
		fmt.Fprintln(w, t("Servizio smart card: NON attivo", "Smart card service: NOT running"), "—", res.PCSC.Error)
	}
	fmt.Fprintf(w, "%s: %d\n", t("Lettori", "Readers"), len(res.Readers))
	for _, r := range res.Readers {
		fmt.Fprintf(w, "\n  %s\n", r.Name)
		c := r.Card
		if c == nil {
			fmt.Fprintln(w, "    "+t("nessuna tessera", "no card"))
			continue
		}
		if c.Holder != nil {
			fmt.Fprintf(w, "    %s: %s %s — %s %s — %s %s\n", t("Titolare", "Holder"), c.Holder.Surname, c.Holder.Name,
				t("codice fiscale", "fiscal code"), c.Holder.FiscalCode, t("tessera", "card"), c.ID)
		} else {
			fmt.Fprintf(w, "    %s: %s\n", t("Tessera", "Card"), c.ID)
		}
		fam := c.Family.Sigla
		if !c.Family.Known {
			fam = t("sconosciuta", "unknown")
		}
		fmt.Fprintf(w, "    %s: %s %s  ATR %s\n", t("Tipo", "Type"), fam, c.Family.Name, c.ATR)
		if len(c.Family.Drivers) > 0 {
			fmt.Fprintf(w, "    %s: %s\n", t("Driver necessario", "Driver needed"), strings.Join(c.Family.Drivers, t(" oppure ", " or ")))
		}
		if c.Token != nil {
			fmt.Fprintf(w, "    PKCS#11: %s (%s), %s %q\n", c.Token.Driver, c.Token.Module, t("token", "token"), c.Token.Label)
		}
		for _, cert := range c.Certificates {
			exp, _ := time.Parse(time.RFC3339, cert.NotAfter)
			fmt.Fprintf(w, "    %s: %s %s, %s %d bit\n", t("Certificato", "Certificate"), cert.Role, t("scade il", "expires on")+" "+itime.Date(exp), cert.KeyType, cert.KeyBits)
		}
	}
	if len(res.Drivers) > 0 {
		fmt.Fprintf(w, "\n%s:\n", t("Driver PKCS#11", "PKCS#11 drivers"))
		for _, d := range res.Drivers {
			state := t("non installato", "not installed")
			switch {
			case d.Installed && d.Loads:
				state = t("installato, funziona", "installed, loads") + fmt.Sprintf(" (%d token)", d.Tokens)
			case d.Installed:
				state = t("installato, NON si carica", "installed, does NOT load") + ": " + d.Error
			}
			name := d.Driver
			if name == "" {
				name = d.Source
			}
			fmt.Fprintf(w, "  %-12s %s %s\n", name, d.Path, state)
		}
	}
	fmt.Fprintf(w, "\n%s:\n", t("Cosa fare", "What to do"))
	for _, a := range res.Advice {
		fmt.Fprintf(w, "  [%s] %s\n", a.Level, t(a.IT, a.EN))
	}
}
