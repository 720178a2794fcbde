package ui

import (
	"strings"
	"time"
)

// The card list's pages (app.html's list, the popup) and the blocks every page shares (header, host
// status, footer) are drawn by hand-written Go, not by html/template: cards.wasm, the module that paints
// them first, must stay without text/template, whose reflection keeps every exported method of every
// type the module can reach (docs/ui-modules.md). The templates of the other screens call these same
// functions (render.go, "view"), so each block is written once.

// escaper escapes text and attribute values (HTML Living Standard §13.1.2.6 and §13.1.2.3: with every
// attribute value quoted, the characters that matter are & < > " and '), as html/template's
// own escaper writes them.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "\x00", "\uFFFD")

// drawing is one page being drawn: state, catalogue and clock, and the first error (a message missing
// from a strict catalogue).
type drawing struct {
	b   strings.Builder
	s   State
	cat *Catalog
	now time.Time
	err error
}

func newDrawing(s State, cat *Catalog) *drawing {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	return &drawing{s: s, cat: cat, now: now}
}

// raw writes markup as it is.
func (d *drawing) raw(parts ...string) {
	for _, p := range parts {
		d.b.WriteString(p)
	}
}

// text writes s escaped: in text or inside a quoted attribute value.
func (d *drawing) text(s string) { escaper.WriteString(&d.b, s) }

// msg is the catalogue's message for key with args, unescaped.
func (d *drawing) msg(key string, args ...any) string {
	m, err := d.cat.T(key, args...)
	if err != nil && d.err == nil {
		d.err = err
	}
	return m
}

// t writes the catalogue's message for key with args.
func (d *drawing) t(key string, args ...any) { d.text(d.msg(key, args...)) }

// attr writes ` name="value"`.
func (d *drawing) attr(name, value string) {
	d.raw(" ", name, `="`)
	d.text(value)
	d.raw(`"`)
}

// flag writes ` name` when on (checked, disabled, aria-pressed="true" is written by the caller).
func (d *drawing) flag(on bool, markup string) {
	if on {
		d.raw(markup)
	}
}

func (d *drawing) done() (string, error) {
	if d.err != nil {
		return "", d.err
	}
	return d.b.String(), nil
}
