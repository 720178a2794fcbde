package ui

import (
	"sort"

	"github.com/ponte-it/ponte/internal/netperm"
)

// NetPatterns are the host permissions Ponte declares (extension/manifest.json) so that it can reach the
// CAs, OCSP responders, TSAs and the AgID list, none of which sends CORS headers: the setup page asks for
// them all at once when they are missing (Firefox lets the user withhold them).
const NetPatterns = "https://*/* http://*/*"

// NetAccess is whether the extension holds NetPatterns; Known is false outside the extension.
type NetAccess struct {
	Known   bool
	Granted bool
}

// PermissionAsk is a host permission Ponte lacked for a request the browser refused (internal/netperm):
// the origin the message names and the match pattern the button asks for.
type PermissionAsk struct {
	Origin  string
	Pattern string
}

// PermissionAsks turns the URLs of refused requests into one ask per origin, sorted; URLs that are not
// http(s) are left out.
func PermissionAsks(urls []string) []PermissionAsk {
	seen := map[string]bool{}
	var out []PermissionAsk
	for _, u := range urls {
		o := netperm.Origin(u)
		if o == "" || seen[o] {
			continue
		}
		seen[o] = true
		out = append(out, PermissionAsk{Origin: o, Pattern: netperm.Pattern(o)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Origin < out[j].Origin })
	return out
}

// permAsks is the argument of the "permissionasks" template: the asks and the action to run once granted.
type permAsks struct {
	Asks []PermissionAsk
	Then string
}
