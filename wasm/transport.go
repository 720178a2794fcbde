//go:build js && wasm

package main

import (
	"errors"
	"strings"
	"syscall/js"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/protocol"
)

// chromeRuntime is chrome.runtime (browser.runtime in Firefox also provides chrome.*), or undefined on a
// plain web page.
func chromeRuntime() js.Value {
	c := js.Global().Get("chrome")
	if !c.Truthy() {
		return js.Undefined()
	}
	return c.Get("runtime")
}

// dial picks the transport: native messaging inside the extension, the WebSocket of `ponte-host serve` in
// the local web app.
func dial(onEvent func(protocol.Message)) (*protocol.Client, error) {
	if rt := chromeRuntime(); rt.Truthy() && rt.Get("connectNative").Truthy() {
		return dialNative(rt, onEvent), nil
	}
	return dialWebSocket(onEvent)
}

// disconnect closes the connection dial opened (handover_cards.go); nil before it.
var disconnect func()

// dialNative opens one long-lived port to the host. Messages cross as JS objects; we keep JSON text on the
// Go side so the protocol package is the only codec.
func dialNative(rt js.Value, onEvent func(protocol.Message)) *protocol.Client {
	port := rt.Call("connectNative", ids.HostName)
	disconnect = func() { port.Call("disconnect") }
	jsonAPI := js.Global().Get("JSON")
	var client *protocol.Client
	client = protocol.NewClient(func(b []byte) error {
		port.Call("postMessage", jsonAPI.Call("parse", string(b)))
		return nil
	}, onEvent)
	port.Get("onMessage").Call("addListener", js.FuncOf(func(this js.Value, args []js.Value) any {
		client.Deliver([]byte(jsonAPI.Call("stringify", args[0]).String()))
		return nil
	}))
	port.Get("onDisconnect").Call("addListener", js.FuncOf(func(this js.Value, args []js.Value) any {
		// Chrome puts the reason in runtime.lastError; Firefox in the port's error (MDN, "runtime.Port":
		// "error").
		reason := "native host disconnected"
		if le := rt.Get("lastError"); le.Truthy() && le.Get("message").Truthy() {
			reason = le.Get("message").String()
		} else if len(args) > 0 && args[0].Get("error").Truthy() && args[0].Get("error").Get("message").Truthy() {
			reason = args[0].Get("error").Get("message").String()
		}
		client.Close(errors.New(reason))
		return nil
	}))
	return client
}

// dialWebSocket connects to ws://<page host>/ws with the secret from the page's fragment (#secret=...).
func dialWebSocket(onEvent func(protocol.Message)) (*protocol.Client, error) {
	loc := js.Global().Get("location")
	secret := strings.TrimPrefix(loc.Get("hash").String(), "#secret=")
	if secret == "" || strings.HasPrefix(secret, "#") {
		return nil, errors.New("manca il codice di accesso: aprire l'indirizzo stampato da ponte-host serve / missing access code: open the address ponte-host serve printed")
	}
	ws := js.Global().Get("WebSocket").New("ws://" + loc.Get("host").String() + "/ws?secret=" + secret)
	disconnect = func() { ws.Call("close") }
	opened := make(chan error, 1)
	var client *protocol.Client
	client = protocol.NewClient(func(b []byte) error {
		ws.Call("send", string(b))
		return nil
	}, onEvent)
	ws.Set("onopen", js.FuncOf(func(js.Value, []js.Value) any {
		opened <- nil
		return nil
	}))
	ws.Set("onmessage", js.FuncOf(func(this js.Value, args []js.Value) any {
		client.Deliver([]byte(args[0].Get("data").String()))
		return nil
	}))
	ws.Set("onclose", js.FuncOf(func(this js.Value, args []js.Value) any {
		err := errors.New("websocket closed: " + args[0].Get("reason").String())
		select {
		case opened <- err:
		default:
		}
		client.Close(err)
		return nil
	}))
	if err := <-opened; err != nil {
		return nil, err
	}
	return client, nil
}
