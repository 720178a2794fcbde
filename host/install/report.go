package install

import (
	"fmt"
	"strings"
)

// Action is what happened to one file or key.
type Action string

const (
	Written   Action = "scritto / written"
	Unchanged Action = "invariato / unchanged"
	Removed   Action = "rimosso / removed"
	LeftAlone Action = "lasciato / left alone"
)

// Kind is what a report item is.
type Kind string

const (
	KindManifest Kind = "manifest"
	KindWrapper  Kind = "launcher"
	KindRegistry Kind = "registry"
)

// Item is one file or registry key the installer looked at.
type Item struct {
	Action   Action
	Kind     Kind
	Where    string // file path or registry key (HKCU\...)
	Browsers []Browser
	Detail   string
}

// Report lists what Install or Uninstall did, and the notices the user must act on.
type Report struct {
	Op      string // "install" or "uninstall"
	Items   []Item
	Notices []Notice
}

func (r *Report) add(a Action, k Kind, where string, browsers ...Browser) {
	r.addDetail(a, k, where, "", browsers...)
}

func (r *Report) addDetail(a Action, k Kind, where, detail string, browsers ...Browser) {
	r.Items = append(r.Items, Item{Action: a, Kind: k, Where: where, Browsers: browsers, Detail: detail})
}

// Changed reports whether anything was written or removed.
func (r *Report) Changed() bool {
	for _, it := range r.Items {
		if it.Action == Written || it.Action == Removed {
			return true
		}
	}
	return false
}

// String is the report for the terminal, Italian and English.
func (r *Report) String() string {
	var b strings.Builder
	for _, it := range r.Items {
		names := make([]string, len(it.Browsers))
		for i, br := range it.Browsers {
			names[i] = string(br)
		}
		fmt.Fprintf(&b, "%-24s %-8s %s  [%s]", it.Action, it.Kind, it.Where, strings.Join(names, ", "))
		if it.Detail != "" {
			fmt.Fprintf(&b, " (%s)", it.Detail)
		}
		b.WriteByte('\n')
	}
	switch {
	case r.Op == "install" && !r.Changed() && len(r.Items) > 0:
		b.WriteString("Nulla da cambiare: Ponte è già registrato. / Nothing to change: Ponte is already registered.\n")
	case r.Op == "install" && r.Changed():
		b.WriteString("Ponte è registrato: riavvia il browser. / Ponte is registered: restart the browser.\n")
	case r.Op == "uninstall" && !r.Changed():
		b.WriteString("Nulla da rimuovere: Ponte non era registrato qui. / Nothing to remove: Ponte was not registered here.\n")
	case r.Op == "uninstall":
		b.WriteString("Registrazione di Ponte rimossa. / Ponte's registration removed.\n")
	}
	for _, n := range r.Notices {
		fmt.Fprintf(&b, "\nATTENZIONE: %s\nNOTE: %s\n", n.IT, n.EN)
	}
	return b.String()
}
