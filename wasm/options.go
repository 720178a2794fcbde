//go:build js && wasm && !cards

package main

import (
	"encoding/json"
	"errors"
	"slices"
	"syscall/js"

	"github.com/ponte-it/ponte/internal/pageapi"
	"github.com/ponte-it/ponte/internal/ui"
)

// allowedKey is the allow-list in chrome.storage.local, read by the service worker (extension/pageapi.mjs);
// rememberedKey the origins that get the certificate without asking (the consent window's "ricorda").
const (
	allowedKey    = "ponteAllowedOrigins"
	rememberedKey = "ponteCertOrigins"
)

func loadOrigins() ([]string, error) { return loadList(allowedKey) }

func saveOrigins(list []string) error { return saveList(allowedKey, list) }

// editList reads a stored list of origins (another page may have changed it), applies edit, stores it.
func editList(key string, edit func([]string) []string) error {
	list, err := loadList(key)
	if err != nil {
		return err
	}
	return saveList(key, edit(list))
}

// forgetCertOrigin takes origin off the sites that get the certificate without asking ("ricorda") and
// returns the list left.
func forgetCertOrigin(origin string) ([]string, error) {
	var list []string
	err := editList(rememberedKey, func(l []string) []string {
		list = slices.DeleteFunc(l, func(o string) bool { return o == origin })
		return list
	})
	return list, err
}

func loadList(key string) ([]string, error) {
	text, err := storageGetJSON(key)
	if err != nil || text == "" {
		return nil, err
	}
	var list []string
	if err := json.Unmarshal([]byte(text), &list); err != nil {
		return nil, err
	}
	return list, nil
}

func saveList(key string, list []string) error {
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return storageSetJSON(key, string(b))
}

// editOrigins reads the stored list (another tab may have changed it), applies edit and stores it.
func (a *app) editOrigins(edit func([]string) ([]string, string, string)) {
	list, err := loadOrigins()
	if err != nil {
		a.update(func(s *ui.State) { s.Options.Error, s.Options.ErrorArg = "optionsSaveFailed", err.Error() })
		return
	}
	list, notice, arg := edit(list)
	if err := saveOrigins(list); err != nil {
		a.update(func(s *ui.State) { s.Options.Error, s.Options.ErrorArg = "optionsSaveFailed", err.Error() })
		return
	}
	a.update(func(s *ui.State) {
		o := &s.Options
		o.Loaded, o.Origins, o.Notice, o.NoticeArg, o.Error, o.ErrorArg = true, list, notice, arg, "", ""
	})
}

func init() {
	pageOpen["options"] = func(a *app) {
		list, err := loadOrigins()
		remembered, err2 := loadList(rememberedKey)
		if err == nil {
			err = err2
		}
		a.update(func(s *ui.State) {
			s.Options.Loaded, s.Options.Origins, s.Options.CertOrigins = true, list, remembered
			if err != nil {
				s.Options.Error, s.Options.ErrorArg = "optionsSaveFailed", err.Error()
			}
		})
	}
	actions["origins-add"] = func(a *app, _ js.Value) {
		input := byID("origin-input")
		if !input.Truthy() {
			return
		}
		typed := input.Get("value").String()
		origin, err := pageapi.NormalizeOrigin(typed)
		var oe *pageapi.OriginError
		if errors.As(err, &oe) {
			a.update(func(s *ui.State) {
				s.Options.Input, s.Options.Error, s.Options.ErrorArg, s.Options.Notice = typed, oe.Key, typed, ""
			})
			return
		}
		a.update(func(s *ui.State) { s.Options.Input = "" })
		a.editOrigins(func(list []string) ([]string, string, string) {
			if slices.Contains(list, origin) {
				return list, "optionsAlready", origin
			}
			return append(list, origin), "optionsAdded", origin
		})
		if in := byID("origin-input"); in.Truthy() {
			in.Set("value", "")
		}
	}
	actions["cert-forget"] = func(a *app, el js.Value) {
		origin := el.Get("dataset").Get("origin").String()
		list, err := forgetCertOrigin(origin)
		a.update(func(s *ui.State) {
			o := &s.Options
			if err != nil {
				o.Error, o.ErrorArg = "optionsSaveFailed", err.Error()
				return
			}
			o.CertOrigins, o.Notice, o.NoticeArg, o.Error = list, "optionsCertForgotten", origin, ""
		})
	}
	actions["origins-remove"] = func(a *app, el js.Value) {
		origin := el.Get("dataset").Get("origin").String()
		// A site taken off the allow-list loses "ricorda" too: added again one day, it asks again.
		remembered, err := forgetCertOrigin(origin)
		if err != nil {
			a.update(func(s *ui.State) { s.Options.Error, s.Options.ErrorArg = "optionsSaveFailed", err.Error() })
			return
		}
		a.update(func(s *ui.State) { s.Options.CertOrigins = remembered })
		a.editOrigins(func(list []string) ([]string, string, string) {
			return slices.DeleteFunc(list, func(o string) bool { return o == origin }), "optionsRemoved", origin
		})
	}
}
