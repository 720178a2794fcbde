package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/ui"
	"time"
)

func connect(ctx context.Context) (*hostcard.Spawned, error) {
	host, err := hostcard.FindHost()
	if err != nil {
		return nil, err
	}
	return hostcard.Spawn(ctx, host, "ponte-cli", nil)
}

func cardsCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cards", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := connect(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	readers, err := hostcard.List(ctx, h)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(readers)
	}
	if len(readers) == 0 {
		fmt.Fprintln(out, "Nessun lettore collegato / no reader connected")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range readers {
		if r.Card == nil {
			fmt.Fprintf(tw, "%s\t(vuoto / empty)\n", r.Name)
			continue
		}
		c := r.Card
		holder := ""
		if c.Holder != nil {
			holder = c.Holder.Surname + " " + c.Holder.Name + " " + c.Holder.FiscalCode
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, c.ID, c.Family.Sigla, holder)
		for _, cert := range c.Certificates {
			exp, _ := time.Parse(time.RFC3339, cert.NotAfter)
			fmt.Fprintf(tw, "\t  %s\t%s\t%s %s\t%d bit\n", cert.ID, cert.Role, ui.CertState(time.Now(), cert.NotAfter), itime.Date(exp), cert.KeyBits)
		}
	}
	return tw.Flush()
}
