//go:build js && wasm

package main

import "syscall/js"

// The page is redrawn whole (innerHTML) whenever the state changes, and state also changes without the
// user doing anything: a card inserted or removed, the host reconnecting, a renewal step ending. kept
// carries what the user had typed or chosen across such a redraw, so a file picked for signing or a
// holder's e-mail half typed is still there afterwards.
//
// A field is carried over only when the redraw leaves it as the template had it (same form, same name,
// same default value), so a screen that deliberately changes a field wins. PIN and PUK fields
// (type=password) are never carried: their value is not read here at all, only the focus is kept.
type kept struct {
	fields map[string]js.Value // key → the old element
	focus  string              // key of the focused element, if it was one of the fields
}

// fieldKey names a form field by its form's action and its own name (or id): the same field on the
// same screen, whatever else the redraw changed.
func fieldKey(el js.Value) string {
	name := el.Get("name").String()
	if name == "" {
		name = el.Get("id").String()
	}
	if name == "" {
		return ""
	}
	form := el.Call("closest", "form")
	action := ""
	if form.Truthy() {
		action = form.Get("dataset").Get("action").String()
	}
	key := action + "\x00" + el.Get("tagName").String() + "\x00" + el.Get("type").String() + "\x00" + name
	if typ := el.Get("type").String(); typ == "checkbox" || typ == "radio" {
		key += "\x00" + el.Get("value").String() // one key per box of a group
	}
	return key
}

func keepFields(root js.Value) kept {
	k := kept{fields: map[string]js.Value{}}
	active := js.Global().Get("document").Get("activeElement")
	list := root.Call("querySelectorAll", "input, textarea, select")
	for i := range list.Length() {
		el := list.Index(i)
		key := fieldKey(el)
		if key == "" {
			continue
		}
		k.fields[key] = el
		if el.Equal(active) {
			k.focus = key
		}
	}
	return k
}

func (k kept) restore(root js.Value) {
	list := root.Call("querySelectorAll", "input, textarea, select")
	for i := range list.Length() {
		el := list.Index(i)
		key := fieldKey(el)
		old, ok := k.fields[key]
		if !ok {
			continue
		}
		switch typ := el.Get("type").String(); typ {
		case "password", "hidden", "submit", "button":
		case "file":
			if files := old.Get("files"); files.Truthy() && files.Length() > 0 {
				el.Set("files", files)
			}
		case "checkbox", "radio":
			if old.Get("defaultChecked").Bool() == el.Get("defaultChecked").Bool() {
				el.Set("checked", old.Get("checked"))
			}
		default: // text, email, number, textarea, select…
			if defaultOf(old) == defaultOf(el) {
				el.Set("value", old.Get("value"))
			}
		}
		if key == k.focus {
			el.Call("focus")
		}
	}
}

// defaultOf is the value the template gave a field: its value attribute, its text, or the option marked
// selected (HTML: defaultValue, defaultSelected).
func defaultOf(el js.Value) string {
	if el.Get("tagName").String() == "SELECT" {
		opts := el.Get("options")
		for i := range opts.Length() {
			if o := opts.Index(i); o.Get("defaultSelected").Bool() {
				return o.Get("value").String()
			}
		}
		if opts.Length() > 0 {
			return opts.Index(0).Get("value").String()
		}
		return ""
	}
	return el.Get("defaultValue").String()
}
