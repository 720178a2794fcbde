package permhttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/netperm"
)

// closedURL is a loopback address nobody listens on: a real connection failure.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/ocsp"
}

func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var asked []string
	grant := map[string]bool{}
	tr := &Transport{Granted: func(_ context.Context, p string) (bool, error) {
		asked = append(asked, p)
		return grant[p], nil
	}}
	c := &http.Client{Transport: tr}

	// An answer passes through without asking, whatever its status.
	resp, err := c.Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("answer: %v %v", resp, err)
	}
	resp.Body.Close()
	if len(asked) != 0 {
		t.Fatalf("asked %v for a request that was answered", asked)
	}

	// A failure without the permission is *Denied, naming the origin, inside *url.Error.
	dead := closedURL(t)
	_, err = c.Post(dead, "application/ocsp-request", strings.NewReader("x"))
	d := netperm.As(err)
	if d == nil {
		t.Fatalf("no Denied in %v", err)
	}
	u, _ := url.Parse(dead)
	if d.Origin != "http://"+u.Host || d.Pattern != "http://127.0.0.1/*" || !strings.Contains(d.IT(), "Ponte non ha il permesso di contattare http://"+u.Host) ||
		!strings.Contains(d.EN(), "not allowed to contact http://"+u.Host) || d.Cause == nil {
		t.Fatalf("denied %+v: %s", d, d)
	}
	if len(asked) != 1 || asked[0] != "http://127.0.0.1/*" {
		t.Fatalf("asked %v", asked)
	}

	// With the permission the failure is the network's own.
	grant["http://127.0.0.1/*"] = true
	_, err = c.Get(dead)
	if err == nil || netperm.As(err) != nil {
		t.Fatalf("with the permission: %v", err)
	}

	// When the question itself fails, the network's error stands.
	c.Transport = &Transport{Granted: func(context.Context, string) (bool, error) { return false, errors.New("no API") }}
	if _, err = c.Get(dead); err == nil || netperm.As(err) != nil {
		t.Fatalf("unknown permission: %v", err)
	}
	// A cancelled request is not a permission problem.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, dead, nil)
	c.Transport = tr
	grant = map[string]bool{}
	if _, err = c.Do(req); err == nil || netperm.As(err) != nil {
		t.Fatalf("cancelled: %v", err)
	}
}
