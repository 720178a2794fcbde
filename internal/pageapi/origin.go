package pageapi

import (
	"net"
	"net/url"
	"strings"
)

// OriginError says why an origin cannot go on the allow-list; Key names its message in the extension's
// catalogue (extension/_locales), so the options page shows it in the user's language.
type OriginError struct {
	Key   string
	Input string
}

func (e *OriginError) Error() string { return "pageapi: origin " + e.Input + ": " + e.Key }

// The message keys of OriginError.
const (
	KeyOriginEmpty    = "optionsOriginEmpty"
	KeyOriginInvalid  = "optionsOriginInvalid"  // not an address, or not http(s)
	KeyOriginInsecure = "optionsOriginInsecure" // http:// other than this computer
	KeyOriginUnicode  = "optionsOriginUnicode"  // an internationalised name not in xn-- form
)

// NormalizeOrigin turns what the user typed (an origin or any address on the site) into the origin
// string the browser reports for that site's pages (HTML Standard, "serialization of an origin"):
// lower-case scheme and host, no default port, no path, query, fragment or user information. Only
// potentially trustworthy origins are accepted (W3C Secure Contexts, §3.1): https://, or http:// on
// this computer (localhost, *.localhost, 127.0.0.0/8, [::1]).
func NormalizeOrigin(in string) (string, error) {
	s := strings.TrimSpace(in)
	if s == "" {
		return "", &OriginError{KeyOriginEmpty, in}
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s // a bare host name means its https site
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", &OriginError{KeyOriginInvalid, in}
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", &OriginError{KeyOriginInvalid, in}
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.ContainsAny(host, "*%") {
		return "", &OriginError{KeyOriginInvalid, in}
	}
	for _, r := range host {
		if r > 0x7e {
			return "", &OriginError{KeyOriginUnicode, in}
		}
	}
	ip := net.ParseIP(host)
	if ip == nil && !validHostName(host) {
		return "", &OriginError{KeyOriginInvalid, in}
	}
	if port != "" {
		if !validPort(port) {
			return "", &OriginError{KeyOriginInvalid, in}
		}
		port = strings.TrimLeft(port, "0")
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		}
	}
	hostPart := host
	if ip != nil && ip.To4() == nil {
		hostPart = "[" + ip.String() + "]"
	} else if ip != nil {
		hostPart = ip.String()
	}
	origin := scheme + "://" + hostPart
	if port != "" {
		origin += ":" + port
	}
	if !SecureOrigin(origin) {
		return "", &OriginError{KeyOriginInsecure, in}
	}
	return origin, nil
}

// SecureOrigin reports whether a serialised origin is potentially trustworthy (W3C Secure Contexts,
// §3.1): https, or http on a loopback address or a localhost name. The service worker applies the same
// rule (extension/pageapi.mjs, secureOrigin); both are tested on testdata/origins.json.
func SecureOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return u.Hostname() != ""
	case "http":
		h := u.Hostname()
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// validHostName: dot-separated labels of letters, digits and hyphens (RFC 1123, §2.1), at most 253
// characters, no label starting or ending with a hyphen.
func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n >= 1 && n <= 65535
}
