//go:build js && wasm

package main

import (
	"encoding/json"
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
	client = protocol.NewClient(postTo(port), onEvent)
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

// postTo sends a message's JSON text on a native port, as the JS object the port carries.
func postTo(port js.Value) func([]byte) error {
	jsonAPI := js.Global().Get("JSON")
	return func(b []byte) error {
		port.Call("postMessage", jsonAPI.Call("parse", string(b)))
		return nil
	}
}

// adoptBoot takes over the port extension/boot.js opened for the first screen (data-first="hello"): the
// host's answer to its hello, then the messages that came meanwhile, in order, and those to come. ok is
// false when boot.js opened none or its hello failed: the page then dials as before and shows the failure
// the same way.
func adoptBoot(onEvent func(protocol.Message)) (client *protocol.Client, hello protocol.HelloResult, ok bool) {
	boot := js.Global().Get("ponteBoot")
	if !boot.Truthy() {
		return nil, hello, false
	}
	js.Global().Delete("ponteBoot") // once: a module started later (handover) dials its own
	text, err := await(boot.Get("hello"))
	if err != nil || json.Unmarshal([]byte(text.String()), &hello) != nil {
		return nil, hello, false
	}
	port := boot.Get("port")
	disconnect = func() { port.Call("disconnect") }
	client = protocol.NewClient(postTo(port), onEvent)
	// No JS runs between these lines: the queue is drained before any later message is delivered.
	for q := boot.Get("queue"); q.Length() > 0; {
		client.Deliver([]byte(q.Call("shift").String()))
	}
	boot.Set("deliver", js.FuncOf(func(_ js.Value, args []js.Value) any {
		client.Deliver([]byte(args[0].String()))
		return nil
	}))
	boot.Set("onClose", js.FuncOf(func(_ js.Value, args []js.Value) any {
		client.Close(errors.New(args[0].String()))
		return nil
	}))
	if why := boot.Get("closed").String(); why != "" {
		client.Close(errors.New(why))
	}
	return client, hello, true
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
