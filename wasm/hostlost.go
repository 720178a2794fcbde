//go:build js && wasm && !cards

package main

import (
	"context"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
)

// hostLost connects again after ponte-host stopped mid-renewal: Chromium starts a new ponte-host at the
// next connectNative (the local app's server must be restarted by hand). Once it answers, the cards are
// read again and the controller resumes the renewal from the journal (ctrl.HostBack); bounded: two
// minutes of tries, then ctrl.HostNotBack says why and what to do.
func (a *app) hostLost() {
	for i := 0; i < 60; i++ {
		time.Sleep(2 * time.Second)
		client, err := dial(a.onEvent)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		hello, err := client.Hello(ctx, "ponte-wasm "+a.state().Extension)
		cancel()
		if err != nil {
			continue
		}
		a.setHost(client)
		a.refreshCards(false) // the resumed renewal finds its card in the list
		a.ctl.Do(ctrl.HostBack{Hello: hello})
		return
	}
	a.ctl.Do(ctrl.HostNotBack{})
}
