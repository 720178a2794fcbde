//go:build js && wasm && !cards

package main

import (
	"io"
	"sort"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/ics"
	"github.com/ponte-it/ponte/internal/ui"
)

// loadInventory redraws the inventory from the cache and the pending renewals already in the state.
func (a *app) loadInventory() {
	cache, err := loadCache()
	if err != nil {
		a.problem(err)
		return
	}
	a.update(func(s *ui.State) {
		s.Inventory.Rows = ui.InventoryRows(cache, s.Pending, time.Now())
		s.Inventory.Loaded = true
	})
}

func init() {
	cardsCached["inventory"] = (*app).loadInventory
	actions["inv-add"] = func(a *app, form js.Value) {
		doc := js.Global().Get("document")
		input, pw := doc.Call("getElementById", "inv-file"), doc.Call("getElementById", "inv-password")
		password := pw.Get("value").String()
		pw.Set("value", "") // used once below, kept nowhere
		files := input.Get("files")
		if !files.Truthy() || files.Length() == 0 {
			a.invResult("", a.msg("invNoFile"))
			return
		}
		f := files.Index(0)
		name := f.Get("name").String()
		blob, err := docio.NewBlob(f)
		if err != nil {
			a.invResult("", err.Error())
			return
		}
		// One byte over the limit is enough for ParseFile to refuse a file too large to be a certificate.
		data, err := io.ReadAll(io.NewSectionReader(blob, 0, min(blob.Size(), certcache.MaxFileSize+1)))
		if err != nil {
			a.invResult("", err.Error())
			return
		}
		certs, err := certcache.ParseFile(name, data, password)
		password = ""
		if err != nil {
			a.invResult("", err.Error())
			return
		}
		cache, err := loadCache()
		if err != nil {
			a.invResult("", err.Error())
			return
		}
		var recs []certcache.Record
		for _, c := range certs {
			recs = append(recs, certcache.FromX509(c, name, time.Now()))
		}
		if err := saveCache(certcache.Add(cache, recs...)); err != nil {
			a.invResult("", err.Error())
			return
		}
		input.Set("value", "")
		a.invResult(recs[0].Name, "")
		a.loadInventory()
	}
	actions["inv-remove"] = func(a *app, el js.Value) {
		cache, err := loadCache()
		if err != nil {
			a.problem(err)
			return
		}
		key := el.Get("dataset").Get("key").String()
		if r, ok := cache[key]; ok && r.Source == certcache.SourceFile {
			delete(cache, key)
			if err := saveCache(cache); err != nil {
				a.problem(err)
				return
			}
		}
		a.loadInventory()
	}
	actions["inv-ics"] = func(a *app, _ js.Value) {
		cache, err := loadCache()
		if err != nil {
			a.problem(err)
			return
		}
		var evs []ics.Event
		for _, r := range certcache.Sorted(cache) {
			at, err := time.Parse(time.RFC3339, r.NotAfter)
			if err != nil {
				continue
			}
			evs = append(evs, ics.Event{UID: certcache.Key(r), At: at,
				Summary:     a.msg("icsSummary", r.Name),
				Description: a.msg("icsDescription", r.Holder, a.msg(map[string]string{"cns": "roleCns", "signature": "roleSignature"}[r.Role]))})
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
		downloadBytes("ponte-scadenze.ics", "text/calendar", ics.Write(evs, time.Now()))
	}
}

func (a *app) invResult(added, errText string) {
	a.update(func(s *ui.State) { s.Inventory.Added, s.Inventory.Error = added, errText })
}

// msg is a message of the page's language ("" keys fall back to roleOther).
func (a *app) msg(key string, args ...any) string {
	if key == "" {
		key = "roleOther"
	}
	cat := a.catalogs[a.state().Lang]
	m, _ := cat.T(key, args...)
	return m
}
