package cmp

import "net/http"

// In the browser net/http goes through the Fetch API, which follows redirects itself (its default
// redirect mode is "follow", re-POSTing a 307/308 with its body — a prepaid password in regInfo — to
// wherever Location points) before http.Client.CheckRedirect could see them. "manual" makes fetch return
// the redirect as an opaque answer with status 0, which post refuses like any redirect (invariant I6).
// The header key is the one net/http's roundtrip_js.go turns into the fetch option.
func init() {
	fetchNoRedirect = func(h http.Header) { h.Set("js.fetch:redirect", "manual") }
}
