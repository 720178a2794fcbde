// Package netperm tells a request the browser refused for lack of a host permission from any other
// network failure. In an MV3 extension, fetch() from extension pages and the service worker to an origin
// the extension holds a host permission for is not subject to CORS (Chrome, "Cross-origin network
// requests"; MDN, "host_permissions"); without the permission the request is an ordinary cross-origin
// request, and an OCSP responder or a CA that sends no CORS headers (most do not) is unreadable. The
// browser reports both cases as the same opaque TypeError, so Transport asks the extension whether it
// holds the permission for the origin after a request fails, and says so specifically when it does not
// (package permhttp: the transport, apart, so the card list's module links no net/http).
//
// The package is plain Go: the question is a function (in WASM, chrome.permissions.contains).
package netperm

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Denied is a request to Origin that failed while the extension lacks the host permission for it.
type Denied struct {
	Origin  string // scheme://host[:port] of the refused request
	Pattern string // the match pattern a permissions.request should ask for (Pattern(Origin))
	Cause   error  // what the browser said
}

// IT and EN are the user-facing messages (the pages add the button that grants the permission).
func (d *Denied) IT() string {
	return fmt.Sprintf("Ponte non ha il permesso di contattare %s", d.Origin)
}

func (d *Denied) EN() string {
	return fmt.Sprintf("Ponte is not allowed to contact %s", d.Origin)
}

func (d *Denied) Error() string {
	s := d.IT() + " / " + d.EN()
	if d.Cause != nil {
		s += " (" + d.Cause.Error() + ")"
	}
	return s
}

func (d *Denied) Unwrap() error { return d.Cause }

// As returns the *Denied inside err, or nil.
func As(err error) *Denied {
	var d *Denied
	if errors.As(err, &d) {
		return d
	}
	return nil
}

// hostName reports whether h is a DNS name or an IPv4 address as match patterns take them
// (extension/permission.mjs accepts the same: ^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$). Written out, not as a
// regexp: the card list's module (cards.wasm) links no regexp engine.
func hostName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; c != '_' && c != '-' && !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// Origin is the origin of an http(s) URL (RFC 6454 §4: scheme, host, port; the default port left out),
// "" for anything else, or a host a match pattern cannot name.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return ""
		}
		host = "[" + host + "]"
	} else if !hostName(host) {
		return ""
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		return u.Scheme + "://" + host + ":" + port
	}
	return u.Scheme + "://" + host
}

// Pattern is the match pattern that grants origin, for permissions.request and permissions.contains:
// "scheme://host/*". The port is left out: Firefox's match patterns have no port, and in Chromium a
// pattern without a port matches every port (MDN and Chrome, "Match patterns").
func Pattern(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host + "/*"
}

// Granted answers whether the extension holds the host permission of a match pattern.
type Granted func(ctx context.Context, pattern string) (bool, error)
