package ca

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cmp"
)

func TestCORS(t *testing.T) {
	tc := newTestCA(t)
	cases := []struct {
		origin string
		ok     bool
	}{
		{"chrome-extension://abcdefghijklmnopabcdefghijklmnop", true},
		{"moz-extension://4b1e3c1a-7d2f-4e8a-9c1b-0123456789ab", true},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:3000", true},
		{"https://evil.example", false},
		{"http://127.0.0.1.evil.example", false},
		{"null", false},
	}
	for _, c := range cases {
		for _, path := range []string{"/.well-known/cmp/p/cns", "/ocsp", "/tsa"} {
			req, _ := http.NewRequest(http.MethodOptions, tc.base+path, nil)
			req.Header.Set("Origin", c.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "Content-Type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if c.ok && (resp.StatusCode != http.StatusNoContent || got != c.origin ||
				!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") ||
				resp.Header.Get("Access-Control-Allow-Headers") != "content-type") {
				t.Errorf("%s %s: preflight %d %v", c.origin, path, resp.StatusCode, resp.Header)
			}
			if !c.ok && (got != "" || resp.StatusCode != http.StatusForbidden) {
				t.Errorf("%s %s: refused origin got %d %q", c.origin, path, resp.StatusCode, got)
			}
		}
	}
	// A real POST from an allowed origin carries the header too, and CMP answers application/pkixcmp.
	req, _ := http.NewRequest(http.MethodPost, tc.base+"/.well-known/cmp", bytes.NewReader([]byte{0x30, 0x00}))
	req.Header.Set("Origin", "chrome-extension://abc")
	req.Header.Set("Content-Type", cmp.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "chrome-extension://abc" || resp.Header.Get("Content-Type") != cmp.ContentType {
		t.Fatalf("POST headers %v", resp.Header)
	}
	ans, err := cmp.ParseMessage(body)
	if err != nil || ans.Body.Type != cmp.BodyError || !ans.Body.Error.Status.FailInfo.Has(cmp.FailBadDataFormat) {
		t.Fatalf("garbage answered with %v %+v", err, ans)
	}
}

func TestHTTPRoutes(t *testing.T) {
	tc := newTestCA(t)
	get := func(path string) (int, []byte) {
		resp, err := http.Get(tc.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, b := get("/ca.cer"); code != 200 || !bytes.Equal(b, tc.ca.Cert.Raw) {
		t.Errorf("/ca.cer: %d", code)
	}
	if code, b := get("/ca.pem"); code != 200 || !bytes.Contains(b, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("/ca.pem: %d", code)
	}
	if code, _ := get("/crl"); code != 200 {
		t.Errorf("/crl: %d", code)
	}
	if code, _ := get("/.well-known/cmp"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET cmp: %d", code)
	}
	if code, _ := get("/tsa"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /tsa: %d", code)
	}
	resp, _ := http.Post(tc.base+"/.well-known/cmp", "text/plain", strings.NewReader("x"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("wrong content type: %d", resp.StatusCode)
	}
	resp, _ = http.Post(tc.base+"/.well-known/cmp/p/nessuno", cmp.ContentType, strings.NewReader("x"))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m, err := cmp.ParseMessage(b); err != nil || m.Body.Type != cmp.BodyError {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestCMPProfilePath(t *testing.T) {
	cases := []struct {
		path, name string
		ok         bool
	}{
		{"/.well-known/cmp", "", true},
		{"/.well-known/cmp/", "", true},
		{"/.well-known/cmp/keyupdate", "", true},
		{"/.well-known/cmp/p/cns", "cns", true},
		{"/.well-known/cmp/p/cns/keyupdate", "cns", true},
		{"/.well-known/cmp/p/", "", false},
		{"/.well-known/cmp/p", "", false},
		{"/.well-known/cmp/p/a/b/c", "", false},
		{"/.well-known/cmp/p/" + strings.Repeat("a", 64), "", false},
		{"/.well-known/cmp/p/" + strings.Repeat("a", 63), strings.Repeat("a", 63), true},
		{"/.well-known/cmp/p/Cns", "", false},
		{"/.well-known/cmp/p/a%0Ab", "", false},
		{"/.well-known/cmpx", "", false},
		{"/other", "", false},
	}
	for _, c := range cases {
		name, ok := cmpProfile(c.path)
		if name != c.name || ok != c.ok {
			t.Errorf("%s: %q %v", c.path, name, ok)
		}
	}
}

// TestCMPProfileNameBounded: a request to a profile name longer than any profile can have (sent by
// anyone, unauthenticated) is not found, and the audit log keeps nothing of it; an unknown name of a
// valid form is refused and logged, bounded.
func TestCMPProfileNameBounded(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	count := func() int {
		recs, err := tc.ca.Store.Audit(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	before := count()
	for _, c := range []struct {
		name string
		code int
	}{{strings.Repeat("A", 100000), http.StatusNotFound}, {"nessuno", http.StatusOK}} {
		resp, err := http.Post(tc.base+"/.well-known/cmp/p/"+c.name, cmp.ContentType, strings.NewReader("\x30\x03\x02\x01\x02"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("profile name of %d bytes: %s", len(c.name), resp.Status)
		}
	}
	recs, err := tc.ca.Store.Audit(ctx, int64(before), 10)
	if err != nil || len(recs) != 1 || recs[0].Event.Event != "refusal" || len(recs[0].Detail) > 1000 || !strings.Contains(recs[0].Detail, "nessuno") {
		var sizes []int
		for _, r := range recs {
			sizes = append(sizes, len(r.Detail))
		}
		t.Fatalf("%d audit records after the two requests (detail sizes %v): %v", len(recs), sizes, err)
	}
}

func FuzzCMPProfilePath(f *testing.F) {
	f.Add("/.well-known/cmp/p/cns/keyupdate")
	f.Add("/.well-known/cmp/p/%zz")
	f.Fuzz(func(t *testing.T, path string) {
		name, ok := cmpProfile(path)
		if !ok && name != "" {
			t.Fatal("name without ok")
		}
	})
}

func FuzzAllowedOrigin(f *testing.F) {
	f.Add("chrome-extension://abc")
	f.Add("http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, origin string) {
		o := strings.ToLower(origin)
		if AllowedOrigin(origin) && !(strings.HasPrefix(o, "chrome-extension://") || strings.HasPrefix(o, "moz-extension://") ||
			strings.HasPrefix(o, "http://127.0.0.1") || strings.HasPrefix(o, "http://localhost") || strings.HasPrefix(o, "http://[::1]")) {
			t.Fatalf("%q allowed", origin)
		}
	})
}

// TestOpenSSLTimeStamp: a query made by openssl ts is answered on /tsa and the reply verifies with
// openssl ts -verify against the CA.
func TestOpenSSLTimeStamp(t *testing.T) {
	tc := newTestCA(t)
	data := tc.path("data.txt")
	os.WriteFile(data, []byte("documento da marcare\n"), 0o644)
	query := tc.path("q.tsq")
	if out, err := openssl(t, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	q, _ := os.ReadFile(query)
	req, _ := http.NewRequest(http.MethodPost, tc.base+"/tsa", bytes.NewReader(q))
	req.Header.Set("Content-Type", "application/timestamp-query")
	req.Header.Set("Origin", "moz-extension://x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "moz-extension://x" {
		t.Error("no CORS header on /tsa")
	}
	os.WriteFile(tc.path("r.tsr"), reply, 0o644)
	out, err := openssl(t, "ts", "-verify", "-data", data, "-in", tc.path("r.tsr"), "-CAfile", tc.path(CertFile))
	if err != nil {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	mustContain(t, out, "Verification: OK")
	out, _ = openssl(t, "ts", "-reply", "-in", tc.path("r.tsr"), "-text")
	mustContain(t, out, "Policy OID: 0.4.0.2023.1.1")
}
