//go:build js && wasm && !cards

package main

import (
	"context"
	"errors"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// hostGone reports whether the connection to ponte-host has ended (the host crashed or was killed): a
// call on a closed connection fails at once with protocol.ErrClosed.
func (a *app) hostGone() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Is(a.client.Call(ctx, protocol.CmdVersion, nil, nil), protocol.ErrClosed)
}

// hostLost shows that the host stopped mid-renewal and connects again: Chromium starts a new ponte-host at
// the next connectNative (the local app's server must be restarted by hand). The renewal is in the journal
// (write-ahead), so once the host is back it resumes from there, with the PIN asked again: the card's
// session ended with the old host. Bounded: two minutes of tries, then the reason and what to do.
func (a *app) hostLost(run *flowRun) {
	a.update(func(s *ui.State) {
		if s.Flow != nil {
			s.Flow.Screen, s.Flow.HostLost, s.Flow.Paused, s.Flow.Failure = "progress", true, false, nil
		}
	})
	for i := 0; i < 60; i++ {
		time.Sleep(2 * time.Second)
		client, err := dial(a.onEvent)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		hello, err := client.Hello(ctx, "ponte-wasm "+a.state.Extension)
		cancel()
		if err != nil {
			continue
		}
		a.client = client
		a.update(func(s *ui.State) { s.Conn, s.Host, s.Problem = ui.Connected, hello, nil })
		a.refreshCards()
		if a.run != run { // the user closed the renewal meanwhile
			return
		}
		if run.renewal != nil {
			a.resumeFlow(run.renewal.ID, false)
		} else { // stopped before the first record: nothing to resume, the PIN again
			a.update(func(s *ui.State) { s.Flow.Screen, s.Flow.HostLost = "pin", false })
		}
		return
	}
	a.update(func(s *ui.State) {
		if s.Flow != nil {
			s.Flow.Screen, s.Flow.HostLost, s.Flow.Retriable = "failure", false, false
			s.Flow.Failure = &renew.Failure{Code: "host-lost",
				IT: "Il programma Ponte non risponde più. Il rinnovo è salvato: riavviare il browser e riaprire questa pagina per riprenderlo.",
				EN: "The Ponte program no longer answers. The renewal is saved: restart the browser and open this page again to resume it."}
		}
	})
}
