//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
)

// await waits for a JS promise from a goroutine other than the event loop's (actions run in their own).
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var ok, fail js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: arg0(args)}
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "promise rejected"
		if e := arg0(args); e.Truthy() && e.Get("message").Truthy() {
			msg = e.Get("message").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", ok, fail)
	r := <-ch
	ok.Release()
	fail.Release()
	return r.v, r.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// storageLocal is chrome.storage.local, or undefined outside the extension (the local web app).
func storageLocal() js.Value {
	c := js.Global().Get("chrome")
	if !c.Truthy() || !c.Get("storage").Truthy() {
		return js.Undefined()
	}
	return c.Get("storage").Get("local")
}

// storageGetJSON reads one key of chrome.storage.local as JSON text ("" when absent or unavailable).
func storageGetJSON(key string) (string, error) {
	st := storageLocal()
	if !st.Truthy() {
		return "", nil
	}
	v, err := await(st.Call("get", key))
	if err != nil {
		return "", err
	}
	item := v.Get(key)
	if item.IsUndefined() || item.IsNull() {
		return "", nil
	}
	return js.Global().Get("JSON").Call("stringify", item).String(), nil
}

// storageSetJSON writes one key of chrome.storage.local from JSON text.
func storageSetJSON(key, text string) error {
	st := storageLocal()
	if !st.Truthy() {
		return nil
	}
	obj := js.Global().Get("Object").New()
	obj.Set(key, js.Global().Get("JSON").Call("parse", text))
	_, err := await(st.Call("set", obj))
	return err
}
