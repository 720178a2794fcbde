//go:build js && wasm && !cards

package main

import (
	"strings"
	"syscall/js"

	"github.com/ponte-it/ponte/internal/ui"
)

// firefoxModule looks for the card's module in Firefox through browser.pkcs11 (MDN, "pkcs11"): for each
// manifest name ponte-host install may have written (ui.FirefoxModuleNames), whether Firefox has it
// loaded; with install, it asks Firefox to load the first one it can (installModule), then lists the
// module's slots and tokens (getModuleSlots).
func (a *app) firefoxModule(names []string, install bool) {
	a.update(a.firefoxModuleEdit(names, install))
}

// firefoxModuleEdit finds (and with install, loads) the module as firefoxModule says and returns the change
// of state that shows it.
func (a *app) firefoxModuleEdit(names []string, install bool) func(s *ui.State) {
	p11 := js.Global().Get("browser").Get("pkcs11")
	fm := ui.FirefoxModule{Names: names}
	var why []string
	for _, n := range names {
		v, err := await(p11.Call("isModuleInstalled", n))
		if err != nil { // no manifest of that name: Firefox says so
			why = append(why, n+": "+err.Error())
			continue
		}
		if !v.Truthy() {
			if !install {
				continue
			}
			if _, err := await(p11.Call("installModule", n)); err != nil {
				why = append(why, n+": "+err.Error())
				continue
			}
		}
		slots, err := await(p11.Call("getModuleSlots", n))
		if err != nil {
			why = append(why, n+": "+err.Error())
			continue
		}
		fm.Name, fm.Installed = n, true
		for i := 0; i < slots.Length(); i++ {
			s := slots.Index(i)
			slot := ui.FirefoxSlot{Name: s.Get("name").String()}
			if tok := s.Get("token"); tok.Truthy() {
				slot.Token = strings.TrimSpace(tok.Get("name").String())
			}
			fm.Slots = append(fm.Slots, slot)
		}
		break
	}
	if install && !fm.Installed {
		detail := strings.Join(why, "; ")
		if detail == "" {
			detail = "—"
		}
		fm.Error = a.msg("setupFirefoxFailed", detail)
	}
	return func(s *ui.State) { s.Setup.Firefox, s.Setup.Busy = fm, false }
}

func init() {
	actions["setup-ff-register"] = func(a *app, _ js.Value) {
		names := a.state().Setup.Firefox.Names
		a.update(func(s *ui.State) { s.Setup.Busy, s.Setup.Firefox.Error = true, "" })
		a.firefoxModule(names, true)
	}
}
