package tsp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

func startTSA(t *testing.T, pki *signtest.PKI) *httptest.Server {
	srv := httptest.NewServer(&Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: testPolicy})
	t.Cleanup(srv.Close)
	return srv
}

// TestClientAndResponder: our client gets a token from our responder and checks it end to end,
// including the chain against the test root.
func TestClientAndResponder(t *testing.T) {
	pki := signtest.NewPKI(t)
	srv := startTSA(t, pki)
	d := sha256.Sum256([]byte("hello"))
	c := &Client{URL: srv.URL, Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	tok, err := c.TimeStamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	v, err := VerifyToken(tok, d[:], cms.StaticAnchors{pki.Root.Cert()})
	if err != nil {
		t.Fatal(err)
	}
	if v.Chain != cms.ChainValid || !v.Info.Policy.Equal(testPolicy) {
		t.Fatalf("chain %s (%s), policy %v", v.Chain, v.Detail, v.Info.Policy)
	}
	other := sha256.Sum256([]byte("other"))
	if _, err := VerifyToken(tok, other[:], nil); err == nil {
		t.Fatal("token accepted for other data")
	}
	// A tampered token must not verify.
	bad := bytes.Clone(tok)
	bad[len(bad)-10] ^= 1
	if _, err := VerifyToken(bad, d[:], nil); err == nil {
		t.Fatal("tampered token accepted")
	}
}

// TestResponderRejects: malformed queries, other policies and wrong methods get RFC 3161 rejections.
func TestResponderRejects(t *testing.T) {
	pki := signtest.NewPKI(t)
	rs := &Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: testPolicy}
	for name, q := range map[string][]byte{"garbage": []byte("not asn1"), "policy": func() []byte {
		d := sha256.Sum256(nil)
		b, _ := (&Request{HashAlg: 5, HashedMessage: d[:], Policy: asn1.ObjectIdentifier{1, 2, 3}}).Marshal()
		return b
	}()} {
		r, err := ParseResponse(rs.Respond(context.Background(), q))
		if err != nil || r.Status != StatusRejection || r.Token != nil {
			t.Errorf("%s: %+v %v", name, r, err)
		}
	}
	srv := startTSA(t, pki)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET answered %d", resp.StatusCode)
	}
}

// TestOpenSSLInterop: openssl ts builds the query, our responder answers, and openssl ts -reply -text
// and -verify (with the test root as CA file) accept the reply: an independent check of the encoding.
func TestOpenSSLInterop(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	srv := startTSA(t, pki)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	os.WriteFile(data, []byte("documento da marcare"), 0o644)
	run := func(args ...string) string { return signtest.Run(t, openssl, args...) }
	query := filepath.Join(dir, "q.tsq")
	run("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
	qb, _ := os.ReadFile(query)
	resp, err := http.Post(srv.URL, ContentTypeQuery, bytes.NewReader(qb))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != ContentTypeReply {
		t.Fatalf("content type %q", ct)
	}
	reply := filepath.Join(dir, "r.tsr")
	os.WriteFile(reply, buf.Bytes(), 0o644)
	text := run("ts", "-reply", "-in", reply, "-text")
	if !strings.Contains(text, "Status: Granted.") || !strings.Contains(text, "Policy OID: 1.3.6.1.4.1.99999.1.1") {
		t.Fatalf("openssl ts -reply -text:\n%s", text)
	}
	ca := signtest.WritePEM(t, dir, "root.pem", pki.Root.Cert())
	out := run("ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", ca)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", out)
	}
	sum := sha256.Sum256([]byte("documento da marcare"))
	out = run("ts", "-verify", "-digest", hex.EncodeToString(sum[:]), "-in", reply, "-CAfile", ca)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify -digest: %s", out)
	}
}
