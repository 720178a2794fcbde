//go:build js && wasm && !cards

package main

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/tsl"
	"github.com/ponte-it/ponte/internal/ui"
)

// tslConfig is the extension's optional tsl.json: where the Italian trusted list comes from and which
// certificates sign it. Absent: AgID's list (tsl.DefaultURL) and AgID's pinned certificates. "url": "off"
// verifies without the list (tests that must not touch the network).
type tslConfig struct {
	URL     string   `json:"url"`
	Signers []string `json:"signers"` // PEM certificates
}

// tslState keeps the last verified list in memory, so that verifying several files checks the list's
// signature once (it is verified again when loaded from storage).
var tslState struct {
	mu     sync.Mutex
	loaded *tsl.Loaded
}

// storageCache keeps the list in chrome.storage.local under "tsl:<url>" as base64 with its download time.
type storageCache struct{ key string }

type storedList struct {
	Data    string    `json:"data"`
	Fetched time.Time `json:"fetched"`
}

func (c storageCache) Load() ([]byte, time.Time, error) {
	text, err := storageGetJSON(c.key)
	if err != nil || text == "" {
		return nil, time.Time{}, err
	}
	var s storedList
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return nil, time.Time{}, err
	}
	data, err := base64.StdEncoding.DecodeString(s.Data)
	return data, s.Fetched, err
}

func (c storageCache) Store(data []byte, fetched time.Time) error {
	b, err := json.Marshal(storedList{Data: base64.StdEncoding.EncodeToString(data), Fetched: fetched})
	if err != nil {
		return err
	}
	return storageSetJSON(c.key, string(b))
}

// trustedList loads the list (memory, else storage, else download through fetch — the manifest's host
// permission for eidas.agid.gov.it lets the extension page read it). nil, nil when configured "off".
func trustedList(ctx context.Context) (*tsl.Loaded, error) {
	cfg := tslConfig{URL: tsl.DefaultURL}
	if b, err := fetchFile("tsl.json"); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, err
		}
	}
	if cfg.URL == "off" || cfg.URL == "" {
		return nil, nil
	}
	signers := tsl.AgIDSigners()
	if len(cfg.Signers) > 0 {
		signers = nil
		for _, p := range cfg.Signers {
			certs, err := tsl.ParsePEM([]byte(p))
			if err != nil {
				return nil, err
			}
			signers = append(signers, certs...)
		}
	}
	now := time.Now()
	tslState.mu.Lock()
	defer tslState.mu.Unlock()
	if l := tslState.loaded; l != nil && l.URL == cfg.URL && l.Stale == nil && !l.List.Expired(now) &&
		now.Sub(l.Fetched) < tsl.DefaultMaxAge && l.List.Signer != nil && containsCert(signers, l.List.Signer) {
		return l, nil
	}
	src := &tsl.Source{URL: cfg.URL, Cache: storageCache{key: "tsl:" + cfg.URL},
		Verify: tsl.VerifyOptions{Signers: signers, Territory: tsl.Territory}}
	l, err := src.Load(ctx)
	if err == nil {
		tslState.loaded = l
	}
	return l, err
}

// verifyAnchors are the CA profiles' anchors and the AgID list, by source.
func (a *app) verifyAnchors(ctx context.Context) *sigverify.Anchors {
	list, err := trustedList(ctx)
	anchors := &sigverify.Anchors{List: list, ListErr: err}
	if certs := a.profileAnchors(); len(certs) > 0 {
		anchors.Sets = []sigverify.AnchorSet{{Source: sigverify.SourceProfile, Certs: certs}}
	}
	if len(anchors.Sets) == 0 && list == nil && err == nil {
		return nil
	}
	return anchors
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range certs {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// verifyPermissions lists the OCSP responders the browser refused for lack of a host permission.
func verifyPermissions(rep *sigverify.Report) []ui.PermissionAsk {
	var urls []string
	for _, s := range rep.Signers {
		if s.Revocation.Permission != "" {
			urls = append(urls, s.Revocation.Responder)
		}
	}
	return ui.PermissionAsks(urls)
}
