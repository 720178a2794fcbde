package tsp

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestBasicAuth: a TSA behind HTTP Basic (as paid Italian TSAs are) grants a token only with the right
// user and password; without or with wrong ones the client says ErrUnauthorized and the error does not
// carry the password. The full response of a granted answer is the .tsr openssl reads (TestStampFiles).
func TestBasicAuth(t *testing.T) {
	pki := signtest.NewPKI(t)
	rs := &Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: testPolicy}
	var asked int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		if u, p, ok := r.BasicAuth(); !ok || u != "studio" || p != "s3greta:è" {
			w.Header().Set("WWW-Authenticate", `Basic realm="tsa"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	d := sha256.Sum256([]byte("atto"))
	for name, c := range map[string]*Client{
		"none":  {URL: srv.URL},
		"wrong": {URL: srv.URL, User: "studio", Password: []byte("sbagliata-XYZ")},
	} {
		_, err := c.Stamp(context.Background(), d[:])
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(err.Error(), "sbagliata") {
			t.Fatalf("%s: the password is in the error: %v", name, err)
		}
	}
	c := &Client{URL: srv.URL, User: "studio", Password: []byte("s3greta:è"), Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	s, err := c.Stamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseResponse(s.Response)
	if err != nil || r.Status != StatusGranted || string(r.Token) != string(s.Token) {
		t.Fatalf("response %+v %v", r, err)
	}
	if string(s.Info.HashedMessage) != string(d[:]) || asked != 3 {
		t.Fatalf("imprint %x, %d requests", s.Info.HashedMessage, asked)
	}
}
