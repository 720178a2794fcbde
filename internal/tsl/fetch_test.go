package tsl_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsl"
)

// The list is downloaded from a loopback server, verified, cached in a file with its download time, used
// from the cache until NextUpdate or a week, downloaded again after; an unreachable server, a forged or
// older download, or --offline fall back to the cached copy and say why.
func TestFetchAndCache(t *testing.T) {
	w := newWorld(t)
	s := signer(t, false)
	good := sign(t, s, w.list.XML(), "")
	older := w.list
	older.Sequence = 6
	oldList := sign(t, s, older.XML(), "")
	var body atomic.Value
	body.Store(good)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		rw.Write(body.Load().([]byte))
	}))
	defer srv.Close()
	cache := tsl.FileCache{Path: filepath.Join(t.TempDir(), "ponte", "tsl.xml")}
	src := func(at time.Time) *tsl.Source {
		return &tsl.Source{URL: srv.URL + "/TSL-IT.xml", Cache: cache,
			Verify: tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}, Territory: "IT", Now: at}}
	}
	ctx := context.Background()
	load := func(s *tsl.Source) *tsl.Loaded {
		t.Helper()
		l, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	l := load(src(now))
	if l.FromCache || l.Stale != nil || l.List.SequenceNumber != 7 || !l.Fetched.Equal(now) || hits.Load() != 1 {
		t.Fatalf("first load: %+v, %d requests", l, hits.Load())
	}
	if st, err := os.Stat(cache.Path); err != nil || !st.ModTime().Equal(now) {
		t.Fatalf("cache file: %v %v", st, err)
	}
	l = load(src(now.Add(24 * time.Hour)))
	if !l.FromCache || l.Stale != nil || hits.Load() != 1 {
		t.Fatalf("a day later: %+v, %d requests", l, hits.Load())
	}
	weekLater := now.Add(8 * 24 * time.Hour)
	l = load(src(weekLater))
	if l.FromCache || hits.Load() != 2 || !l.Fetched.Equal(weekLater) {
		t.Fatalf("a week later: %+v, %d requests", l, hits.Load())
	}
	// Past NextUpdate (six months after issue): downloaded again; the server has nothing newer, so the
	// list is expired — used, and said so.
	late := t0.AddDate(0, 7, 0)
	l = load(src(late))
	if hits.Load() != 3 || !l.Expired {
		t.Fatalf("after NextUpdate: %+v, %d requests", l, hits.Load())
	}

	// Forged and older downloads are refused; the cached copy is used and the reason given.
	stale := weekLater.Add(8 * 24 * time.Hour)
	body.Store(append(good[:len(good)/2:len(good)/2], []byte("<x/>")...))
	l = load(src(stale))
	if !l.FromCache || signerr.CodeOf(l.Stale) != tsl.CodeMalformed {
		t.Fatalf("broken download: %+v", l)
	}
	body.Store(oldList)
	l = load(src(stale))
	if !l.FromCache || signerr.CodeOf(l.Stale) != tsl.CodeOld || l.List.SequenceNumber != 7 {
		t.Fatalf("older download: %+v", l)
	}
	offline := src(stale)
	offline.Offline = true
	n := hits.Load()
	if l = load(offline); !l.FromCache || l.Stale == nil || hits.Load() != n {
		t.Fatalf("offline: %+v", l)
	}
	srv.Close()
	if l = load(src(stale)); !l.FromCache || l.Stale == nil {
		t.Fatalf("server gone: %+v", l)
	}
	t.Logf("server gone: %v", l.Stale)

	// No cache and nothing usable: an error with the IT/EN text.
	empty := src(now)
	empty.Cache = tsl.FileCache{Path: filepath.Join(t.TempDir(), "none.xml")}
	if _, err := empty.Load(ctx); signerr.CodeOf(err) != tsl.CodeFetch {
		t.Fatalf("no server, no cache: %v", err)
	}
	empty.Offline = true
	if _, err := empty.Load(ctx); signerr.CodeOf(err) != tsl.CodeFetch {
		t.Fatalf("offline, no cache: %v", err)
	}
	// A cache file that no longer verifies (altered on disk) is not used.
	if err := os.WriteFile(cache.Path, oldList[:100], 0o600); err != nil {
		t.Fatal(err)
	}
	offline.Verify.Now = now
	if _, err := offline.Load(ctx); signerr.CodeOf(err) != tsl.CodeFetch {
		t.Fatalf("altered cache: %v", err)
	}
}
