package cmp

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ContentType of CMP messages over HTTP, RFC 9811 §3.4.
const ContentType = "application/pkixcmp"

// maxMessage bounds the answers read (a certificate response with a chain is a few kilobytes).
const maxMessage = 1 << 20

// Endpoint is the URL of a CA's CMP service for a profile (RFC 9811 §3.3): <base>/.well-known/cmp, or
// <base>/.well-known/cmp/p/<profile> when profile is not empty.
func Endpoint(base, profile string) string {
	u := strings.TrimRight(base, "/") + "/.well-known/cmp"
	if profile != "" {
		u += "/p/" + url.PathEscape(profile)
	}
	return u
}

// OperationLabel is the optional last path segment naming the operation (RFC 9483 §6.1, Table 12);
// pollReq and certConf go to the label of the request they continue.
func OperationLabel(req BodyType) string {
	switch req {
	case BodyIR:
		return "initialization"
	case BodyCR:
		return "certification"
	case BodyKUR:
		return "keyupdate"
	case BodyP10CR:
		return "pkcs10"
	case BodyRR:
		return "revocation"
	case BodyGenM:
		return "getcacerts"
	}
	return ""
}

// SecureURL reports whether CMP messages — which may carry a MAC secret's protection or a prepaid
// account's password in regInfo — may be sent to u: https, or plain http only to a loopback address (a
// CA on the same machine, tests). The host is the parsed one, so "http://127.0.0.1:80@ca.example/" is
// not loopback.
func SecureURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil {
		return false
	}
	switch p.Scheme {
	case "https":
		return true
	case "http":
		h := p.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// fetchNoRedirect asks the browser's Fetch API not to follow redirects (set in transport_js.go; nothing
// to do elsewhere).
var fetchNoRedirect = func(http.Header) {}

// noRedirects returns a copy of hc (nil: http.DefaultClient) that does not follow redirects: the
// redirect answer itself comes back to post, which refuses it.
func noRedirects(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// post sends one CMP message and returns the answer's DER (RFC 9811 §3: POST, application/pkixcmp both
// ways). Any answer labelled application/pkixcmp is returned whatever the HTTP status, since CAs send
// CMP error messages with 4xx/5xx; anything else is ErrNotCMP, or ErrTransport for 5xx.
func post(ctx context.Context, hc *http.Client, endpoint string, der []byte) ([]byte, error) {
	if !SecureURL(endpoint) {
		return nil, fail(CodeInsecureURL, nil, "%q", endpoint)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(der))
	if err != nil {
		return nil, fail(CodeBadInput, err, "CMP endpoint %q", endpoint)
	}
	// One connection per message: servers may close a kept-alive connection when a transaction ends
	// (OpenSSL does), and a POST on a connection closed under it cannot be retried safely.
	req.Close = true
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", ContentType)
	fetchNoRedirect(req.Header)
	resp, err := noRedirects(hc).Do(req)
	if err != nil {
		return nil, fail(CodeTransport, err, "POST %s", endpoint)
	}
	defer resp.Body.Close()
	// Status 0 is the browser's opaque redirect (transport_js.go).
	if resp.StatusCode == 0 || resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Never followed: a redirect would resend the request — with a prepaid account's password in
		// regInfo — to an address the profile did not name, possibly over plain http (invariant I6).
		return nil, fail(CodeRedirect, nil, "HTTP %d from %s to %q", resp.StatusCode, endpoint, resp.Header.Get("Location"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMessage+1))
	if err != nil {
		return nil, fail(CodeTransport, err, "reading the answer of %s", endpoint)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != ContentType {
		// A server in trouble (5xx, e.g. a proxy's 502) may be back later; anything else is not a CMP
		// service at this address.
		code := CodeNotCMP
		if resp.StatusCode >= 500 {
			code = CodeTransport
		}
		return nil, fail(code, nil, "HTTP %d with content type %q from %s", resp.StatusCode, resp.Header.Get("Content-Type"), endpoint)
	}
	if len(body) > maxMessage {
		return nil, fail(CodeMalformed, nil, "answer larger than %d bytes", maxMessage)
	}
	return body, nil
}
