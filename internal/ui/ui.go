package ui

import (
	"bytes"
	"embed"
	"github.com/ponte-it/ponte/internal/certcache"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/words"
)

// Conn is the state of the connection to ponte-host.
type Conn int

const (
	Connecting Conn = iota
	Connected
	Failed
)

// State is everything a screen shows. The WASM module keeps one and re-renders on every change.
type State struct {
	Mode      string // "app" (full tab) or "popup"
	Lang      string
	Extension string // the extension's (or local app's) version
	Conn      Conn
	Host      protocol.HelloResult
	Problem   *Problem

	Now         time.Time // the clock the screens judge expiry by
	Readers     []protocol.Reader
	CardsLoaded bool

	// Offers says per card and certificate ("card/cert") whether RINNOVA is offered, and Pending lists
	// renewals waiting at the CA or interrupted, per card ID.
	Offers  map[string]Offer
	Pending map[string][]*renew.Renewal
	Flow    *Flow
	// PINManage is the PIN change or unblock screen of one card (pinmanage.go), shown instead of the list.
	PINManage *PINManage
	// Manage ("card/cert") and Lifecycle: suspend, reactivate, revoke (lifecycle.go).
	Manage    map[string]Manage
	Lifecycle *Lifecycle

	Help      HostHelp   // the user's system, for the install step when ponte-host is missing or old (hosthelp.go)
	Sign      *SignState // the Firma page (sign.go)
	Inventory Inventory  // inventory.html
	Setup     Setup      // setup.html
	Watch     Watch      // OCSP statuses for the card list (watch.go)
	Options   Options    // options.html, the page API's allow-list (pageapi.go)
	Consent   *Consent   // consent.html, a page's signature request (pageapi.go)
	Net       NetAccess  // setup.html: the host permissions for CAs, OCSP and TSAs (permission.go)
}

// Problem is an error shown to the user: a code from the protocol table, or a transport failure.
type Problem struct {
	Code   protocol.Code // empty for a transport failure
	Detail string        // technical detail, shown small
}

//go:embed views/*.html
var views embed.FS

// Render draws the screen for s in the catalogue's language.
func Render(s State, cat *Catalog) (string, error) {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	base, err := parsedViews()
	if err != nil {
		return "", err
	}
	// The views are parsed once (parsedViews); each drawing gets a clone whose functions see this state
	// and catalogue (html/template: Funcs may replace functions after parsing, on a clone never run).
	t, err := base.Clone()
	if err != nil {
		return "", err
	}
	t.Funcs(funcs(s, cat, now))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, s.Mode+".html", s); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// funcs are the views' functions for drawing s in cat's language at now.
func funcs(s State, cat *Catalog, now time.Time) template.FuncMap {
	return template.FuncMap{
		"t":         cat.T,
		"errtext":   func(c protocol.Code) string { return cat.Say(words.M(c)) },
		"date":      formatDate,
		"daysleft":  func(d string) int { return daysLeft(now, d) },
		"certstate": func(c protocol.Certificate) string { return CertState(now, c.NotAfter) },
		"expiry":    CardExpiry,
		"join":      strings.Join,
		"cn":        certcache.CommonName,
		"offer":     func(card, cert string) Offer { return s.Offers[card+"/"+cert] },
		"manage":    s.manageArgs,
		"pending":   func(card string) []*renew.Renewal { return s.Pending[card] },
		"origin":    netperm.Origin, // scheme://host[:port] of a URL (the permission messages, permission.go)
		"permasks":  func(asks []PermissionAsk, then string) permAsks { return permAsks{asks, then} },
		"netperms":  func() string { return NetPatterns },
		"rolename": func(role string) string {
			key := map[string]string{"cns": "roleCns", "signature": "roleSignature"}[role]
			if key == "" {
				key = "roleOther"
			}
			m, _ := cat.T(key)
			return m
		},
		"ftext":      func(f *renew.Failure) string { return f.Text(cat) },
		"say":        func(ms []words.Message) string { return cat.Say(ms...) },
		"setupcards": SetupCards,
		"certstatus": s.Watch.CertStatus,
		"reason":     func(code int) string { return revocation.ReasonText(code, cat.Lang) },
		"bi": func(b Bilingual) string {
			if len(b.Words) > 0 {
				return cat.Say(b.Words...)
			}
			if cat.Lang == "en" {
				return b.EN
			}
			return b.IT
		},
	}
}

var views0 struct {
	once sync.Once
	t    *template.Template
	err  error
}

// parsedViews is the views parsed once, with placeholder functions of the right names (funcs of a zero
// State): every drawing clones it instead of parsing the files again.
func parsedViews() (*template.Template, error) {
	views0.once.Do(func() {
		views0.t, views0.err = template.New("").Funcs(funcs(State{}, &Catalog{}, time.Time{})).ParseFS(views, "views/*.html")
	})
	return views0.t, views0.err
}

func (c Conn) String() string {
	switch c {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	}
	return "failed"
}
