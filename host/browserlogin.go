package main

import (
	"context"
	"os/exec"
	"runtime"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/host/nssdb"
	"github.com/ponte-it/ponte/internal/protocol"
)

// browserLogin reports the NSS registration of the inserted card's module and, when asked, makes it.
func browserLogin(ctx context.Context, svc *cards.Service, p protocol.BrowserLogin) (protocol.BrowserLoginResult, *protocol.Error) {
	var res protocol.BrowserLoginResult
	if runtime.GOOS != "linux" {
		res.Detail = "Windows e macOS: il browser usa il modulo del produttore installato con il driver. / Windows and macOS: the browser uses the maker's module installed with the driver."
		return res, nil
	}
	res.Supported = true
	dir, err := nssdb.DefaultDir()
	if err != nil {
		return res, protocol.Errorf(protocol.ErrInternal, "nssdb: %v", err)
	}
	res.DB = "sql:" + dir
	cs, perr := svc.Cards(ctx)
	if perr == nil {
		for _, r := range cs.Readers {
			if r.Card != nil && r.Card.Token != nil && res.Module == "" {
				res.Module = r.Card.Token.Module
			}
		}
	}
	modutil, err := exec.LookPath("modutil")
	if err != nil {
		res.Detail = "modutil non installato: sudo apt install libnss3-tools / modutil not installed: sudo apt install libnss3-tools"
		return res, nil
	}
	res.Tool = true
	st, err := nssdb.Check(ctx, modutil, dir)
	if err != nil {
		return res, protocol.Errorf(protocol.ErrInternal, "%v", err)
	}
	res.Registered, res.Library = st.Registered, st.Library
	if !p.Register {
		return res, nil
	}
	switch {
	case res.Module == "":
		res.Detail = "Nessuna tessera leggibile con un modulo PKCS#11: inserisci la tessera e installa il driver. / No card readable through a PKCS#11 module: insert the card and install the driver."
		return res, nil
	case st.Registered && st.Library == res.Module:
		res.Done = "already"
		return res, nil
	}
	st, out, err := nssdb.Register(ctx, modutil, dir, res.Module)
	res.Registered, res.Library, res.Detail = st.Registered, st.Library, out
	if err != nil {
		return res, protocol.Errorf(protocol.ErrInternal, "%v", err)
	}
	res.Done = "registered"
	return res, nil
}
