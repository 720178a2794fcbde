package ui

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// The card list offers SOSPENDI / REVOCA on a valid certificate whose CA a profile reaches (SOSPENDI only
// where the CA states a suspension window), RIATTIVA and REVOCA on a suspended one shown SOSPESO with its
// date, nothing on a revoked one nor RINNOVA; the inventory says SOSPESO; the confirmation screens say what
// follows in both languages.
func TestLifecycleRenders(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(serial string, st *certcache.Status) certcache.Record {
		return certcache.Record{Card: "C1", Name: "RSSMRA80A01H501U", Holder: "ROSSI MARIO", Role: "cns", NotAfter: "2027-01-20T00:00:00Z",
			Serial: serial, Issuer: "CN=CA", Source: "card", Status: st, Revoked: st != nil && st.State == certcache.StatusRevoked}
	}
	cache := certcache.Add(nil,
		rec("01", &certcache.Status{State: certcache.StatusRevoked, Checked: "2026-12-30T10:00:00Z", RevokedAt: "2026-12-20T10:00:00Z", Reason: 6}),
		rec("02", &certcache.Status{State: certcache.StatusRevoked, Checked: "2026-12-30T10:00:00Z", RevokedAt: "2026-12-21T10:00:00Z", Reason: 1}),
		rec("03", &certcache.Status{State: certcache.StatusGood, Checked: "2026-12-29T10:00:00Z", LastGood: "2026-12-29T10:00:00Z"}),
	)
	cert := func(id, serial string) protocol.Certificate {
		return protocol.Certificate{ID: id, Role: "cns", NotAfter: "2027-01-20T00:00:00Z", Serial: serial, Issuer: "CN=CA"}
	}
	card := &protocol.Card{ID: "C1", Certificates: []protocol.Certificate{cert("k1", "01"), cert("k2", "02"), cert("k3", "03")}}
	m := Manage{Profile: "Ponte CA", SuspensionDays: 30}
	s := State{Mode: "app", Lang: "it", Conn: Connected, Now: now, CardsLoaded: true, Readers: []protocol.Reader{{Name: "R1", Card: card}},
		Watch: WatchFromCache(cache), Manage: map[string]Manage{"C1/k1": m, "C1/k2": m, "C1/k3": m},
		Offers: map[string]Offer{"C1/k1": {Eligible: true}, "C1/k2": {Eligible: true}, "C1/k3": {Eligible: true}}}
	out, err := Render(s, catalogs(t)["it"])
	if err != nil {
		t.Fatal(err)
	}
	item := func(serialIdx int) string { // the <li> of the nth certificate
		parts := strings.Split(out, `<li class="cert`)
		return parts[serialIdx+1]
	}
	checks := []struct {
		li         int
		has, hasnt []string
	}{
		{0, []string{"SOSPESO dal 20/12/2026", `data-action="cert-reactivate"`, `data-action="cert-revoke"`}, []string{`data-action="cert-suspend"`, `data-action="renew"`}},
		{1, []string{"REVOCATO il 21/12/2026"}, []string{"cert-reactivate", "cert-suspend", `data-action="cert-revoke"`, `data-action="renew"`}},
		{2, []string{`data-action="cert-suspend"`, `data-action="cert-revoke"`, `data-action="renew"`}, []string{"cert-reactivate"}},
	}
	for _, c := range checks {
		li := item(c.li)
		for _, w := range c.has {
			if !strings.Contains(li, w) {
				t.Errorf("certificate %d lacks %q:\n%s", c.li, w, li)
			}
		}
		for _, w := range c.hasnt {
			if strings.Contains(li, w) {
				t.Errorf("certificate %d has %q:\n%s", c.li, w, li)
			}
		}
	}
	s.Manage["C1/k3"] = Manage{Profile: "Ponte CA"} // no suspension window stated: no SOSPENDI
	if out, _ = Render(s, catalogs(t)["it"]); strings.Contains(item(2), "cert-suspend") {
		t.Error("SOSPENDI offered by a CA that states no suspension")
	}

	inv, err := Render(State{Mode: "inventory", Lang: "it", Conn: Connected, Now: now, Inventory: Inventory{Loaded: true, Rows: InventoryRows(cache, nil, now)}}, catalogs(t)["it"])
	if err != nil || !strings.Contains(inv, `data-state="suspended"`) || !strings.Contains(inv, "SOSPESO") || !strings.Contains(inv, "sospeso dal 20/12/2026") ||
		strings.Count(inv, `href="app.html#card=C1"`) != 2 { // the suspended and the valid row, not the revoked one
		t.Errorf("inventory: %v\n%s", err, inv)
	}

	words := map[string]map[renew.Action][]string{
		"it": {renew.ActionSuspend: {"Sospendere il certificato?", "entro 30 giorni", "SOSPENDI"},
			renew.ActionReactivate: {"Riattivare il certificato?", "solo a chi lo ha sospeso", "RIATTIVA"},
			renew.ActionRevoke:     {"Revocare il certificato?", "La revoca è definitiva", "compromissione della chiave", "REVOCA DEFINITIVAMENTE"}},
		"en": {renew.ActionSuspend: {"Suspend the certificate?", "within 30 days"},
			renew.ActionReactivate: {"only to whoever suspended it"},
			renew.ActionRevoke:     {"Revocation is permanent", "REVOKE PERMANENTLY"}},
	}
	for lang, cat := range catalogs(t) {
		for action, ws := range words[lang] {
			l := NewLifecycle(action, "C1", "k3", "ROSSI MARIO", "cns", m, PINView{})
			out, err := Render(State{Mode: "app", Lang: lang, Conn: Connected, Lifecycle: l}, cat)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if !strings.Contains(out, w) && !strings.Contains(out, html.EscapeString(w)) {
					t.Errorf("%s %s lacks %q", lang, action, w)
				}
			}
		}
	}
}

// After the renewal of a family that must be taken out and put back, the success screen says so until the
// card events show it out and then back, and only then "pronta" with the driver advice for the host's OS
// (seed 000 §3).
func TestReinsertThenDriverAdvice(t *testing.T) {
	ac := protocol.Family{Known: true, Sigla: "AC 2018", Reinsert: true, Package: "libbit4xpki-idemia-amd64.1.4.10-622.deb",
		RenewalDriver: "IDP (https://ca.arubapec.it/downloads/MAC-63710-Italian.zip)"}
	steps := []struct {
		present bool
		want    string
	}{{true, ReinsertRemove}, {false, ReinsertInsert}, {false, ReinsertInsert}, {true, ReinsertDone}, {false, ReinsertDone}}
	step := ReinsertRemove
	for i, s := range steps {
		if step = ReinsertEvent(step, s.present); step != s.want {
			t.Fatalf("event %d (present %v): step %q, want %q", i, s.present, step, s.want)
		}
	}
	render := func(step, hostOS string, f protocol.Family) string {
		flow := Flow{Screen: "success", Holder: "ROSSI MARIO", NewExpiry: "2032-12-03T00:00:00Z", Reinsert: f.Reinsert,
			ReinsertStep: step, Advice: DriverAdvice(hostOS, f)}
		out, err := Render(State{Mode: "app", Lang: "it", Conn: Connected, Flow: &flow}, catalogs(t)["it"])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		step, os string
		f        protocol.Family
		has      []string
		hasnt    []string
	}{
		{ReinsertRemove, "linux/amd64", ac, []string{"reinseriscila", `data-step="remove"`}, []string{"pronta", "driver-advice"}},
		{ReinsertInsert, "linux/amd64", ac, []string{"ora reinseriscila"}, []string{"pronta", "driver-advice"}},
		{ReinsertDone, "linux/amd64", ac, []string{"La tessera è pronta.", "libbit4xpki-idemia-amd64"}, []string{`id="reinsert"`}},
		{ReinsertDone, "darwin/arm64", ac, []string{"esclusivamente", "MAC-63710-Italian.zip"}, nil},
		{ReinsertDone, "windows/amd64", ac, []string{"non serve sostituire"}, nil},
		{"", "linux/amd64", protocol.Family{Known: true, Sigla: "ST 2021"}, []string{"La tessera è pronta.", "adatto alla sua sigla"}, []string{`id="reinsert"`}},
	} {
		out := render(c.step, c.os, c.f)
		for _, w := range c.has {
			if !strings.Contains(out, w) && !strings.Contains(out, html.EscapeString(w)) {
				t.Errorf("%s/%s lacks %q", c.step, c.os, w)
			}
		}
		for _, w := range c.hasnt {
			if strings.Contains(out, w) {
				t.Errorf("%s/%s has %q", c.step, c.os, w)
			}
		}
	}
}

// Promise (docs/lifecycle.md, L1): a certificate the last OCSP check found revoked or suspended is never
// offered RINNOVA — not on the card list, not on the portal panel — whatever its offer, reason, manage
// rule and role; over every CRLReason 0–10 and a good status as the control.
func TestRevokedNeverOfferedForRenewal(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	cat := catalogs(t)["it"]
	n := 0
	for reason := -1; reason <= 10; reason++ { // -1: good
		for _, role := range []string{"cns", "signature"} {
			for _, m := range []Manage{{}, {Profile: "Ponte CA"}, {Profile: "Ponte CA", SuspensionDays: 30}} {
				st := &certcache.Status{State: certcache.StatusGood, Checked: "2026-12-30T10:00:00Z"}
				if reason >= 0 {
					st = &certcache.Status{State: certcache.StatusRevoked, Checked: "2026-12-30T10:00:00Z", RevokedAt: "2026-12-20T10:00:00Z", Reason: reason}
				}
				c := protocol.Certificate{ID: "k1", Role: role, NotAfter: "2027-01-20T00:00:00Z", Serial: "01", Issuer: "CN=CA"}
				readers := []protocol.Reader{{Name: "R1", Card: &protocol.Card{ID: "C1", Certificates: []protocol.Certificate{c}}}}
				cache := certcache.Add(nil, certcache.Record{Card: "C1", Role: role, NotAfter: c.NotAfter, Serial: "01", Issuer: "CN=CA", Source: "card", Status: st, Revoked: reason >= 0})
				offers := map[string]Offer{"C1/k1": {Card: "C1", Cert: "k1", Eligible: true}}
				out, err := Render(State{Mode: "app", Lang: "it", Conn: Connected, Now: now, CardsLoaded: true, Readers: readers,
					Watch: WatchFromCache(cache), Offers: offers, Manage: map[string]Manage{"C1/k1": m}}, cat)
				if err != nil {
					t.Fatal(err)
				}
				p := PortalOffers(offers, readers, WatchFromCache(cache))["C1/k1"]
				offered := strings.Contains(out, `data-action="renew"`)
				if reason >= 0 && (offered || p.Renew) || reason < 0 && (!offered || !p.Renew) {
					t.Fatalf("reason %d role %s manage %+v: card list offers %v, panel %+v", reason, role, m, offered, p)
				}
				if reason >= 0 && (p.State == certcache.Suspended) != (reason == 6) {
					t.Fatalf("reason %d: panel state %q", reason, p.State)
				}
				n++
			}
		}
	}
	if n != 12*2*3 {
		t.Fatalf("%d cases", n)
	}
}
