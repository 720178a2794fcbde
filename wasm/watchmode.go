//go:build js && wasm && !cards

package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/certwatch"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/ui"
)

func init() {
	modes["watch"] = runWatch
	// "Consenti e riprova" in the inventory and the card list: ask again, now, the responders that were refused.
	actions["status-recheck"] = func(a *app, _ js.Value) {
		cache, err := loadCache()
		if err != nil {
			a.problem(err)
			return
		}
		var keys []string
		for k, r := range cache {
			if r.Status != nil && r.Status.Permission != "" {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return
		}
		if _, err := a.checkStatuses(keys, time.Now()); err != nil {
			a.problem(err)
			return
		}
		if fresh, err := loadCache(); err == nil {
			a.update(func(s *ui.State) { s.Watch = ui.WatchFromCache(fresh) })
		}
		if a.mode == "inventory" {
			a.loadInventory()
		}
	}
}

// runWatch is the module's watch mode: extension/background.js starts it with argv "watch" when
// status.mjs finds certificates due for their OCSP check, and puts the job in globalThis.ponteWatchJob
// ({now: ms, keys: [...]}). It checks them (package certwatch), writes the outcome into the cache and
// leaves the summary, as JSON, in globalThis.ponteWatchResult. No page, no host, no PIN: only public
// certificates and their responders.
func runWatch() {
	result := func(v any) {
		b, _ := json.Marshal(v)
		js.Global().Set("ponteWatchResult", string(b))
	}
	job := js.Global().Get("ponteWatchJob")
	if !job.Truthy() {
		result(map[string]string{"error": "no job"})
		return
	}
	now := time.UnixMilli(int64(job.Get("now").Float()))
	var keys []string
	for i, ks := 0, job.Get("keys"); ks.Truthy() && i < ks.Length(); i++ {
		keys = append(keys, ks.Index(i).String())
	}
	// No page: the controller only holds the profiles the check reads (loadProfiles goes through it).
	a := &app{ctl: ctrl.New(ui.State{}, ctrl.Effects{}, nil)}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go a.ctl.Run(ctx)
	a.loadProfiles()
	// OCSP through fetch; responses judged by the real clock, the schedule by the job's.
	sum, err := a.checkStatuses(keys, now)
	if err != nil {
		result(map[string]string{"error": err.Error()})
		return
	}
	result(sum)
}

// checkStatuses asks the OCSP responders about the cached records named by keys (package certwatch, with
// the CA profiles' anchors as issuers) and writes the outcomes into the cache: the watch mode and the
// inventory's retry after a permission was granted (permissions.go).
func (a *app) checkStatuses(keys []string, now time.Time) (certwatch.Summary, error) {
	cache, err := loadCache()
	if err != nil {
		return certwatch.Summary{}, err
	}
	var anchors []*x509.Certificate
	for _, p := range a.ctl.Profiles() {
		if certs, err := signjob.ProfileAnchors(p); err == nil {
			anchors = append(anchors, certs...)
		}
	}
	sum := certwatch.Run(context.Background(), cache, keys, anchors, &revocation.Checker{}, now)
	// Pages may have written the cache meanwhile: apply only the statuses to what is there now.
	fresh, err := loadCache()
	if err != nil {
		return sum, err
	}
	for _, k := range keys {
		r, ok := cache[k]
		f, still := fresh[k]
		if !ok || !still || r.Status == nil {
			continue
		}
		f.Status, f.Revoked = r.Status, r.Revoked
		fresh[k] = f
	}
	return sum, saveCache(fresh)
}
