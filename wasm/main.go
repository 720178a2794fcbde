//go:build js && wasm

// Command wasm is Ponte's UI, compiled to WebAssembly and loaded by the extension's pages (app.html,
// popup.html) and by the local web app that `ponte-host serve` offers. It renders every screen from one
// State (package ui) and talks to ponte-host through native messaging inside the extension, or through a
// WebSocket in the local app.
//
// It is built as two modules (docs/ui-modules.md): ponte.wasm, every file, and
// cards.wasm (-tags cards), the card list of app.html and the popup without the files that renew, sign,
// verify or consent (those say //go:build ... && !cards). An action cards.wasm lacks hands the page over to
// ponte.wasm (handover_cards.go, replay.go).
package main

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/ui"
)

// app is the page's glue: the controller that owns the state (internal/app), the connection to the
// host, and what the DOM shows.
type app struct {
	ctl  *ctrl.Controller
	mode string // the page (body data-mode), fixed at load

	mu       sync.Mutex // guards what follows
	catalogs map[string]*ui.Catalog
	client   *protocol.Client
	lastHTML string // what is on the page: an unchanged screen is not redrawn (typed fields survive)
	quiet    bool   // the next drawing is already on the page (setArmed changed it in place)
}

// fxHooks give the controller the effects of screens this module has (sign.go, consent.go, renew.go).
var fxHooks []func(a *app, fx *ctrl.Effects)

func main() {
	if len(os.Args) > 1 { // background.js: "watch", the OCSP status check (watchmode.go)
		if run, ok := modes[os.Args[1]]; ok {
			run()
		}
		return
	}
	a := &app{catalogs: map[string]*ui.Catalog{}}
	var s ui.State
	s.Mode = js.Global().Get("document").Get("body").Get("dataset").Get("mode").String()
	switch s.Mode {
	case "popup", "inventory", "setup", "options", "consent":
	case "sign": // the Firma page (sign.go)
		s.Sign = &ui.SignState{Screen: ui.SignChoose}
	default:
		s.Mode = "app"
	}
	a.mode = s.Mode
	s.Lang = ui.PickLang(preferredLang())
	s.Extension = manifestVersion()
	s.Help = hostHelp()
	if err := a.loadCatalog(s.Lang); err != nil {
		showFatal(err)
		select {}
	}
	var fx ctrl.Effects // cards.wasm has none: its screens ask nothing of the card
	for _, f := range fxHooks {
		f(a, &fx)
	}
	a.ctl = ctrl.New(s, fx, a.render)
	go a.ctl.Run(context.Background())
	listen(a)
	if !js.Global().Get("ponteBoot").Truthy() { // else boot.js shows the first screen until connect draws
		a.render(s)
	}
	if open, ok := pageOpen[a.mode]; ok {
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

// update changes the state with f, as one step of the controller's loop, and returns once it is drawn.
// Never from inside a drawing (render runs in the loop).
func (a *app) update(f func(s *ui.State)) { a.ctl.Do(ctrl.Edit(f)) }

// state is the state as last drawn.
func (a *app) state() ui.State { return a.ctl.State() }

// host is the connection to ponte-host as it is now (hostlost.go connects again after a crash).
func (a *app) host() hostcard.Caller {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.client
}

func (a *app) setHost(c *protocol.Client) {
	a.mu.Lock()
	a.client = c
	a.mu.Unlock()
}

// render draws s (the controller calls it after each step).
func (a *app) render(s ui.State) {
	if retired.Load() {
		return
	}
	a.mu.Lock()
	cat := a.catalogs[s.Lang]
	a.mu.Unlock()
	html, err := ui.Render(s, cat)
	if err != nil {
		showFatal(err)
		return
	}
	a.mu.Lock()
	same := html == a.lastHTML || a.quiet
	a.lastHTML, a.quiet = html, false
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

// connect opens the transport and performs the handshake, or takes over boot.js's (adoptBoot).
func (a *app) connect() {
	if client, hello, ok := adoptBoot(a.onEvent); ok {
		a.setHost(client)
		a.ready(hello)
		return
	}
	client, err := dial(a.onEvent)
	if err != nil {
		a.fail(err)
		return
	}
	a.setHost(client)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hello, err := client.Hello(ctx, "ponte-wasm "+a.state().Extension)
	if err != nil {
		a.fail(err)
		return
	}
	a.ready(hello)
}

// ready shows the host's hello and loads what the page needs from it.
func (a *app) ready(hello protocol.HelloResult) {
	// The profiles, and what the page takes from them, before "connected" is drawn: the page's forms
	// appear once, whole, and are not drawn again under the user's first click.
	if a.mode != "popup" {
		a.loadProfiles()
	}
	if ready, ok := pageReady[a.mode]; ok {
		ready(a)
	}
	a.update(func(s *ui.State) {
		s.Conn, s.Host, s.Problem = ui.Connected, hello, nil
	})
	a.refreshCards(false)
	if start, ok := pageStart[a.mode]; ok {
		start(a)
	}
	for _, f := range connected {
		f(a)
	}
}

// problem shows an error of a call that is not part of the renewal flow.
func (a *app) problem(err error) {
	p := ctrl.ProblemOf(err)
	a.update(func(s *ui.State) { s.Problem = p })
}

func js_console(msg string) { js.Global().Get("console").Call("warn", msg) }

func (a *app) fail(err error) {
	p := ctrl.ProblemOf(err)
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

// pageReady runs, once the host and the CA profiles are there and before the cards are read, what a page
// needs first (the Firma page's time-stamp service, sign.go).
var pageReady = map[string]func(a *app){}

// connected runs once the page is connected and drawn (replay.go: the action cards.wasm handed over).
var connected []func(a *app)

// modes are the module's runs without a page, by argv[1] (watchmode.go).
var modes = map[string]func(){}

// missing runs an action this module lacks (handover_cards.go: cards.wasm hands the page to ponte.wasm).
var missing func(a *app, action string, el js.Value)

// retired: this module handed the page over and no longer draws or acts (handover_cards.go).
var retired atomic.Bool

func (a *app) act(action string, el js.Value) {
	if retired.Load() {
		return
	}
	if f, ok := actions[action]; ok {
		f(a, el)
	} else if missing != nil {
		missing(a, action, el)
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
	actions["rescan"] = func(a *app, _ js.Value) { a.refreshCards(false) }
	actions["open-app"] = func(a *app, _ js.Value) {
		if tabs := js.Global().Get("chrome").Get("tabs"); tabs.Truthy() {
			tabs.Call("create", map[string]any{"url": chromeRuntime().Call("getURL", "app.html")})
			js.Global().Call("close")
		}
	}
}
