package ca

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ponte-it/ponte/internal/cmp"
)

// With NoCORS the CA answers like a real one: no Access-Control-* header on CMP, OCSP or TSA, and a
// preflight is not answered as CORS; the answers themselves are unchanged.
func TestNoCORS(t *testing.T) {
	tc := newTestCA(t)
	tc.ca.NoCORS = true
	srv := httptest.NewServer(tc.ca.Handler())
	defer srv.Close()
	for _, path := range []string{"/.well-known/cmp/p/cns", "/ocsp", "/tsa"} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
		req.Header.Set("Origin", "chrome-extension://abcdefghijklmnopabcdefghijklmnop")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for k := range resp.Header {
			if len(k) > 15 && k[:15] == "Access-Control-" {
				t.Errorf("%s preflight: %s: %v", path, k, resp.Header[k])
			}
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/.well-known/cmp", bytes.NewReader([]byte{0x30, 0x00}))
	req.Header.Set("Origin", "chrome-extension://abc")
	req.Header.Set("Content-Type", cmp.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Content-Type") != cmp.ContentType {
		t.Fatalf("POST: %v", resp.Header)
	}
}
