//go:build js && wasm

package main

import (
	"context"
	"errors"
	"strings"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/ui"
)

// permissionsAPI is browser.permissions (Firefox) or chrome.permissions, or undefined.
func permissionsAPI() js.Value {
	for _, ns := range []string{"browser", "chrome"} {
		if n := js.Global().Get(ns); n.Truthy() && n.Get("permissions").Truthy() {
			return n.Get("permissions")
		}
	}
	return js.Undefined()
}

// permGranted asks permissions.contains({origins: [pattern]}) (MDN, "permissions.contains").
func permGranted(ctx context.Context, pattern string) (bool, error) {
	return permContains(ctx, pattern)
}

func permContains(ctx context.Context, patterns ...string) (bool, error) {
	api := permissionsAPI()
	if !api.Truthy() {
		return false, errors.New("no permissions API")
	}
	type answer struct {
		ok  bool
		err error
	}
	ch := make(chan answer, 1)
	var then, catch js.Func
	// Released by whichever callback runs (after a timeout the promise may still settle).
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- answer{ok: len(args) > 0 && args[0].Truthy()}
		then.Release()
		catch.Release()
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "permissions.contains failed"
		if len(args) > 0 {
			msg = js.Global().Get("String").Invoke(args[0]).String()
		}
		ch <- answer{err: errors.New(msg)}
		then.Release()
		catch.Release()
		return nil
	})
	origins := make([]any, len(patterns))
	for i, p := range patterns {
		origins[i] = p
	}
	api.Call("contains", map[string]any{"origins": origins}).Call("then", then, catch)
	select {
	case a := <-ch:
		return a.ok, a.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// listenPermission runs, once the user granted a permission from a [data-permission-origins] button, the
// action its data-permission-then names (retry the check or the renewal), with the button as its element.
func listenPermission(a *app) {
	js.Global().Get("document").Call("addEventListener", "ponte-permission", js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("detail")
		if !d.Truthy() || !d.Get("granted").Truthy() {
			return nil
		}
		el := d.Get("target")
		if then := d.Get("then"); then.Truthy() && el.Truthy() {
			go a.act(then.String(), el)
		}
		return nil
	}))
}

func init() {
	actions["net-check"] = func(a *app, _ js.Value) { a.checkNet() }
	// A link to the options page (the page API's allow-list) from the popup and the app page.
	actions["open-options"] = func(a *app, _ js.Value) {
		if rt := chromeRuntime(); rt.Truthy() && rt.Get("openOptionsPage").Truthy() {
			rt.Call("openOptionsPage")
			if a.mode == "popup" {
				js.Global().Call("close")
			}
		}
	}
}

// checkNet says on the setup page whether Ponte holds its host permissions (ui.NetPatterns).
func (a *app) checkNet() {
	net := netAccess(context.Background())
	a.update(func(s *ui.State) { s.Net = keepNet(s.Net, net) })
}

// keepNet is the answer when there is one, else what the page said before.
func keepNet(was, now ui.NetAccess) ui.NetAccess {
	if now.Known {
		return now
	}
	return was
}

// netAccess asks the browser whether Ponte holds ui.NetPatterns; unknown (the section is not drawn) without
// the permissions API or when the browser does not answer.
func netAccess(ctx context.Context) ui.NetAccess {
	if !permissionsAPI().Truthy() {
		return ui.NetAccess{}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := permContains(ctx, strings.Fields(ui.NetPatterns)...)
	if err != nil {
		js_console("Ponte: " + err.Error())
		return ui.NetAccess{}
	}
	return ui.NetAccess{Known: true, Granted: ok}
}
