// Package permhttp is netperm's question put to every request of net/http: a request the browser refused
// while the extension lacks the host permission for its origin becomes *netperm.Denied.
package permhttp

import (
	"net/http"

	"github.com/ponte-it/ponte/internal/netperm"
)

// Transport is an http.RoundTripper that turns a failed request into *Denied when Granted says the
// permission is missing. Answers (of any HTTP status) pass through untouched, and so does the failure
// when the permission is there, or when Granted cannot tell.
type Transport struct {
	Base    http.RoundTripper // nil: http.DefaultTransport
	Granted netperm.Granted   // nil: never *Denied
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil || t.Granted == nil || req.Context().Err() != nil {
		return resp, err
	}
	origin := netperm.Origin(req.URL.String())
	if origin == "" {
		return resp, err
	}
	pattern := netperm.Pattern(origin)
	ok, gerr := t.Granted(req.Context(), pattern)
	if gerr != nil || ok {
		return resp, err
	}
	return nil, &netperm.Denied{Origin: origin, Pattern: pattern, Cause: err}
}
