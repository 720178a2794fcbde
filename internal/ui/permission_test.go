package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/webext"
)

func TestPermissionAsks(t *testing.T) {
	got := PermissionAsks([]string{"http://ocsp.b.it/x", "http://127.0.0.1:8080/ocsp", "http://ocsp.b.it/y", "ldap://x", ""})
	want := []PermissionAsk{{"http://127.0.0.1:8080", "http://127.0.0.1/*"}, {"http://ocsp.b.it", "http://ocsp.b.it/*"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
}

// Where a request was refused for lack of a host permission, each screen names the origin and offers a
// button that asks for the pattern (extension/permission.mjs) and then retries the right action.
func TestPermissionButtonsRender(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	cache := certcache.Add(nil, certcache.Record{Card: "C1", Name: "RSSMRA80A01H501U", Holder: "ROSSI MARIO", Role: "cns",
		NotAfter: "2027-06-10T00:00:00Z", Serial: "01", Issuer: "CN=CA", Source: "card",
		Status: &certcache.Status{State: certcache.StatusUnverified, Checked: "2026-12-30T10:00:00Z", Failures: 1,
			Responder: "http://127.0.0.1:8080/ocsp", Permission: "http://127.0.0.1/*"}})
	for lang, cat := range catalogs(t) {
		missing := map[string]string{"it": "Ponte non ha il permesso di contattare http://127.0.0.1:8080", "en": "Ponte is not allowed to contact http://127.0.0.1:8080"}[lang]
		retry := map[string]string{"it": "Consenti e riprova", "en": "Allow and retry"}[lang]
		screens := map[string]struct {
			s    State
			then string
		}{
			"inventory": {State{Mode: "inventory", Lang: lang, Conn: Connected, Now: now,
				Inventory: Inventory{Loaded: true, Rows: InventoryRows(cache, nil, now)}}, "status-recheck"},
			"verify": {State{Mode: "sign", Lang: lang, Conn: Connected, Sign: &SignState{Screen: "choose", Verify: &VerifyState{FileName: "a.pdf",
				Permissions: PermissionAsks([]string{"http://127.0.0.1:8080/ocsp"})}}}, "verify-file"},
			"tsfail": {State{Mode: "sign", Lang: lang, Conn: Connected, Sign: &SignState{Screen: "tsfail", Error: &Bilingual{IT: "x", EN: "x"},
				Permissions: PermissionAsks([]string{"http://127.0.0.1:8080/tsa"})}}, "sign-ts-retry"},
			"cards": {State{Mode: "app", Lang: lang, Conn: Connected, Now: now, CardsLoaded: true, Watch: WatchFromCache(cache),
				Readers: []protocol.Reader{{Name: "R1", Card: &protocol.Card{ID: "C1", Certificates: []protocol.Certificate{
					{Role: "cns", NotAfter: "2027-06-10T00:00:00Z", Serial: "01", Issuer: "CN=CA"}}}}}}, "status-recheck"},
			"renewal": {State{Mode: "app", Lang: lang, Conn: Connected, Flow: &Flow{Screen: "failure", RenewalID: "r1", Retriable: true,
				Failure: &renew.Failure{Code: "no-permission", IT: "CA non raggiungibile: Ponte non ha il permesso di contattare http://127.0.0.1:8080.",
					EN: "CA unreachable: Ponte is not allowed to contact http://127.0.0.1:8080.", Permission: "http://127.0.0.1/*", Retriable: true}}}, "renew-resume"},
		}
		for name, c := range screens {
			html, err := Render(c.s, cat)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, name, err)
			}
			for _, w := range []string{missing, retry, `data-permission-origins="http://127.0.0.1/*"`, `data-permission-then="` + c.then + `"`} {
				if !strings.Contains(html, w) {
					t.Errorf("%s %s lacks %q", lang, name, w)
				}
			}
		}
		// No refusal, no button.
		html, _ := Render(State{Mode: "app", Lang: lang, Conn: Connected, Flow: &Flow{Screen: "failure", Failure: &renew.Failure{Code: "ca-CMP_TRANSPORT", IT: "x", EN: "x"}}}, cat)
		if strings.Contains(html, "data-permission-origins") {
			t.Errorf("%s: permission button without a refusal", lang)
		}
	}
}

// The popup and the app page link to the options page (the page API's allow-list), except in the local
// web app, which has none.
func TestOptionsLink(t *testing.T) {
	for lang, cat := range catalogs(t) {
		for _, mode := range []string{"popup", "app"} {
			html, err := Render(State{Mode: mode, Lang: lang, Conn: Connected, Host: protocol.HelloResult{Transport: "native"}}, cat)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"it": "Impostazioni (siti autorizzati)", "en": "Settings (allowed sites)"}[lang]
			if !strings.Contains(html, `data-action="open-options"`) || !strings.Contains(html, want) {
				t.Errorf("%s %s: no options link", lang, mode)
			}
			html, _ = Render(State{Mode: mode, Lang: lang, Conn: Connected, Host: protocol.HelloResult{Transport: "websocket"}}, cat)
			if strings.Contains(html, `data-action="open-options"`) {
				t.Errorf("%s %s: options link in the local web app", lang, mode)
			}
		}
	}
}

// The setup page says whether Ponte may reach the CAs' services, and offers to allow it when not; outside
// the extension (Known false) it says nothing.
func TestNetAccessRenders(t *testing.T) {
	for lang, cat := range catalogs(t) {
		ok, _ := Render(State{Mode: "setup", Lang: lang, Conn: Connected, Net: NetAccess{Known: true, Granted: true}}, cat)
		if !strings.Contains(ok, `id="net-ok"`) || strings.Contains(ok, `id="net-grant"`) {
			t.Errorf("%s granted: %s", lang, ok)
		}
		missing, _ := Render(State{Mode: "setup", Lang: lang, Conn: Failed, Net: NetAccess{Known: true}}, cat)
		if !strings.Contains(missing, `id="net-missing"`) || !strings.Contains(missing, `data-permission-origins="https://*/* http://*/*"`) ||
			!strings.Contains(missing, `data-permission-then="net-check"`) {
			t.Errorf("%s missing: %s", lang, missing)
		}
		none, _ := Render(State{Mode: "setup", Lang: lang, Conn: Connected}, cat)
		if strings.Contains(none, `id="net-access"`) {
			t.Errorf("%s: network section outside the extension", lang)
		}
	}
}

// The manifest declares exactly the host permissions the setup page asks for, in both builds (the
// Firefox flavour keeps them as they are).
func TestManifestDeclaresNetPatterns(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "extension", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, flavour := range []string{"chromium", "firefox"} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if flavour == "firefox" {
			if err := webext.FirefoxManifest(m, "ponte@ponte.it"); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, p := range m["host_permissions"].([]any) {
			got = append(got, p.(string))
		}
		if strings.Join(got, " ") != NetPatterns {
			t.Errorf("%s host_permissions %v, the setup page asks for %q", flavour, got, NetPatterns)
		}
	}
}
