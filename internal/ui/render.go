//go:build !cards

package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/revocation/crlreason"
	"github.com/ponte-it/ponte/internal/words"
)

// The screens of ponte.wasm as html/template views; app.html, the popup and the blocks every page shares
// are drawn by Go (draw.go), which the views call through "view". cards.wasm (-tags cards) is built
// without this file (render_cards.go).

//go:embed views/*.html
var views embed.FS

// Render draws the screen for s in the catalogue's language.
func Render(s State, cat *Catalog) (string, error) {
	if html, ok, err := listPage(s, cat); ok {
		return html, err
	}
	return execute(s, cat, s.Mode+".html")
}

// On app.html the screens that replace the card list are views (renew.html, lifecycle.html, pinmanage.html).
func init() {
	drawScreen = func(d *drawing, name string) {
		html, err := execute(d.s, d.cat, name)
		if err != nil && d.err == nil {
			d.err = err
		}
		d.raw(html)
	}
}

// execute draws the view name for s.
func execute(s State, cat *Catalog, name string) (string, error) {
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
	if err := t.ExecuteTemplate(&buf, name, s); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// view draws a block of draw.go's inside a view: "header", "hoststatus", "footer" (of s), or
// "permissionask" (of arg, a *certcache.Status).
func view(s State, cat *Catalog) func(name string, arg any) (template.HTML, error) {
	return func(name string, arg any) (template.HTML, error) {
		d := newDrawing(s, cat)
		switch name {
		case "header":
			d.header()
		case "hoststatus":
			d.hostStatus()
		case "footer":
			d.footer()
		case "permissionask":
			st, ok := arg.(*certcache.Status)
			if !ok {
				return "", fmt.Errorf("view permissionask of %T", arg)
			}
			d.permissionAsk(st)
		default:
			return "", fmt.Errorf("no view %q", name)
		}
		html, err := d.done()
		return template.HTML(html), err // escaped by draw.go
	}
}

// funcs are the views' functions for drawing s in cat's language at now.
func funcs(s State, cat *Catalog, now time.Time) template.FuncMap {
	return template.FuncMap{
		"t":          cat.T,
		"date":       formatDate,
		"certstate":  func(c protocol.Certificate) string { return CertState(now, c.NotAfter) },
		"join":       strings.Join,
		"origin":     netperm.Origin, // scheme://host[:port] of a URL (the permission messages, permission.go)
		"permasks":   func(asks []PermissionAsk, then string) permAsks { return permAsks{asks, then} },
		"netperms":   func() string { return NetPatterns },
		"rolename":   func(role string) string { return newDrawing(s, cat).roleName(role) },
		"view":       view(s, cat),
		"ftext":      func(f *renew.Failure) string { return f.Text(cat) },
		"say":        func(ms []words.Message) string { return cat.Say(ms...) },
		"setupcards": SetupCards,
		"reason":     func(code int) string { return crlreason.ReasonText(code, cat.Lang) },
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
