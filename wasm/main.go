//go:build js && wasm

// Command wasm is Ponte's UI, compiled to WebAssembly and loaded by the extension's pages (app.html,
// popup.html) and by the local web app that `ponte-host serve` offers. It renders every screen from one
// State (package ui) and talks to ponte-host through native messaging inside the extension, or through a
// WebSocket in the local app.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// app is the page's single state and what it needs to redraw.
type app struct {
	mu       sync.Mutex
	state    ui.State
	catalogs map[string]*ui.Catalog
	client   *protocol.Client
	profiles []*renew.Profile
	lastHTML string   // what is on the page: an unchanged screen is not redrawn (typed fields survive)
	run      *flowRun // the renewal on screen (only touched from action goroutines, one at a time)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "watch" { // background.js: the OCSP status check (watchmode.go)
		runWatch()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "offers" { // background.js: the portal panel's RINNOVA (portalmode.go)
		runPortalOffers()
		return
	}
	a := &app{catalogs: map[string]*ui.Catalog{}}
	doc := js.Global().Get("document")
	a.state.Mode = doc.Get("body").Get("dataset").Get("mode").String()
	switch a.state.Mode {
	case "popup", "inventory", "setup", "options", "consent":
	case "sign": // the Firma page (sign.go)
		a.state.Sign = &ui.SignState{Screen: "choose"}
	default:
		a.state.Mode = "app"
	}
	a.state.Lang = ui.PickLang(preferredLang())
	a.state.Extension = manifestVersion()
	a.state.Help = hostHelp()
	if err := a.loadCatalog(a.state.Lang); err != nil {
		showFatal(err)
		select {}
	}
	listen(a)
	a.render()
	if open, ok := pageOpen[a.state.Mode]; ok {
		go open(a)
	}
	go a.connect()
	select {} // keep the module alive for callbacks
}

func preferredLang() string {
	if v := js.Global().Get("localStorage").Call("getItem", "ponte.lang"); v.Truthy() {
		return v.String()
	}
	return js.Global().Get("navigator").Get("language").String()
}

// pageURL resolves a path against the page's address (net/http on js/wasm wants absolute URLs).
func pageURL(path string) string {
	base, _ := url.Parse(js.Global().Get("location").Get("href").String())
	ref, _ := url.Parse(path)
	return base.ResolveReference(ref).String()
}

func fetchFile(path string) ([]byte, error) {
	resp, err := http.Get(pageURL(path))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// manifestVersion is the version stamped from git into manifest.json's version_name.
func manifestVersion() string {
	if rt := chromeRuntime(); rt.Truthy() && rt.Get("getManifest").Truthy() {
		m := rt.Call("getManifest")
		if v := m.Get("version_name"); v.Truthy() {
			return v.String()
		}
		return m.Get("version").String()
	}
	b, err := fetchFile("manifest.json")
	if err != nil {
		return "?"
	}
	var m struct {
		Version     string `json:"version"`
		VersionName string `json:"version_name"`
	}
	if json.Unmarshal(b, &m) != nil {
		return "?"
	}
	if m.VersionName != "" {
		return m.VersionName
	}
	return m.Version
}

func (a *app) loadCatalog(lang string) error {
	a.mu.Lock()
	_, ok := a.catalogs[lang]
	a.mu.Unlock()
	if ok {
		return nil
	}
	b, err := fetchFile("_locales/" + lang + "/messages.json")
	if err != nil {
		return err
	}
	c, err := ui.ParseCatalog(lang, b)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.catalogs[lang] = c
	a.mu.Unlock()
	return nil
}

// update changes the state under the lock and redraws.
func (a *app) update(f func(s *ui.State)) {
	a.mu.Lock()
	f(&a.state)
	a.mu.Unlock()
	a.render()
}

func (a *app) render() {
	a.mu.Lock()
	s := a.state
	cat := a.catalogs[s.Lang]
	a.mu.Unlock()
	html, err := ui.Render(s, cat)
	if err != nil {
		showFatal(err)
		return
	}
	a.mu.Lock()
	same := html == a.lastHTML
	a.lastHTML = html
	a.mu.Unlock()
	if same {
		return
	}
	root := js.Global().Get("document").Call("getElementById", "app")
	k := keepFields(root)
	root.Set("innerHTML", html)
	k.restore(root)
	js.Global().Get("document").Get("documentElement").Set("lang", s.Lang)
}

func showFatal(err error) {
	js.Global().Get("document").Call("getElementById", "app").Set("textContent", "Ponte: "+err.Error())
}

// connect opens the transport and performs the handshake.
func (a *app) connect() {
	client, err := dial(a.onEvent)
	if err != nil {
		a.fail(err)
		return
	}
	a.client = client
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hello, err := client.Hello(ctx, "ponte-wasm "+a.state.Extension)
	if err != nil {
		a.fail(err)
		return
	}
	a.update(func(s *ui.State) {
		s.Conn, s.Host, s.Problem = ui.Connected, hello, nil
	})
	if a.state.Mode != "popup" {
		a.loadProfiles()
	}
	if a.state.Mode == "sign" {
		a.signReady()
	}
	a.refreshCards()
	if start, ok := pageStart[a.state.Mode]; ok {
		start(a)
	}
}

// problem shows an error of a call that is not part of the renewal flow.
func (a *app) problem(err error) {
	p := &ui.Problem{Detail: err.Error()}
	if perr, ok := err.(*protocol.Error); ok {
		p.Code = perr.Code
	}
	a.update(func(s *ui.State) { s.Problem = p })
}

func js_console(msg string) { js.Global().Get("console").Call("warn", msg) }

func (a *app) fail(err error) {
	p := &ui.Problem{Detail: err.Error()}
	if perr, ok := err.(*protocol.Error); ok {
		p.Code = perr.Code
	}
	a.update(func(s *ui.State) { s.Conn, s.Problem = ui.Failed, p })
}

// listen installs the page's delegated listeners: clicks on [data-action], and form submissions.
func listen(a *app) {
	js.Global().Get("document").Call("addEventListener", "submit", js.FuncOf(func(this js.Value, args []js.Value) any {
		args[0].Call("preventDefault")
		form := args[0].Get("target")
		go a.act(form.Get("dataset").Get("action").String(), form)
		return nil
	}))
	js.Global().Get("document").Call("addEventListener", "click", js.FuncOf(func(this js.Value, args []js.Value) any {
		el := args[0].Get("target").Call("closest", "[data-action]")
		if !el.Truthy() || el.Get("tagName").String() == "FORM" { // a click inside a form is not its submission
			return nil
		}
		action := el.Get("dataset").Get("action").String()
		go a.act(action, el)
		return nil
	}))
	listenPermission(a) // [data-permission-origins] buttons (permissions.go)
}

// actions maps a data-action to what it does; each screen's file registers its own in init, so adding a
// screen touches no shared switch.
var actions = map[string]func(a *app, el js.Value){}

// pageStart runs, once connected, what a page other than app.html loads first (registered in its file).
var pageStart = map[string]func(a *app){}

// pageOpen runs, before the host is connected, what a page loads that does not need the host.
var pageOpen = map[string]func(a *app){}

func (a *app) act(action string, el js.Value) {
	if f, ok := actions[action]; ok {
		f(a, el)
	}
}

func init() {
	actions["lang"] = func(a *app, el js.Value) {
		lang := ui.PickLang(el.Get("dataset").Get("lang").String())
		if err := a.loadCatalog(lang); err != nil {
			a.fail(err)
			return
		}
		js.Global().Get("localStorage").Call("setItem", "ponte.lang", lang)
		_ = storageSetJSON("ponteLang", `"`+lang+`"`) // the service worker's reminders follow the choice
		a.update(func(s *ui.State) { s.Lang = lang })
	}
	actions["rescan"] = func(a *app, _ js.Value) { a.refreshCards() }
	actions["open-app"] = func(a *app, _ js.Value) {
		if tabs := js.Global().Get("chrome").Get("tabs"); tabs.Truthy() {
			tabs.Call("create", map[string]any{"url": chromeRuntime().Call("getURL", "app.html")})
			js.Global().Call("close")
		}
	}
}
