package main

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/hsmtest"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// TestHealthzFailsWhenKeyOrDatabaseGoes (attack, issue #19): /healthz keeps its key check for a second
// (keyCheckFor); it must not report a healthy instance for longer once the CA key became unusable (the
// token deleted from the HSM under the running instance: softhsm2-util --delete-token) or the database
// went away (PostgreSQL refusing the instance's connections, its sessions ended). Each is awaited,
// bounded at five times the cache.
func TestHealthzFailsWhenKeyOrDatabaseGoes(t *testing.T) {
	for _, gone := range []string{"key", "database"} {
		t.Run(gone, func(t *testing.T) {
			tok := hsmtest.New(t)
			dir := filepath.Join(t.TempDir(), "ca")
			args := append([]string{"init", "--dir", dir, "--listen", "127.0.0.1:0"}, tokenArgs(tok)...)
			var dbURL string
			if gone == "database" { // the key's case on SQLite: one PostgreSQL database less to make
				dbURL = pgcluster.NewDB(t)
				args = append(args, "--db", dbURL)
			}
			must(t, args...)
			srv := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0")
			if code := healthz(t, srv.base); code != http.StatusOK {
				t.Fatalf("/healthz %d before anything went away", code)
			}
			if gone == "key" {
				mustTool(t, "softhsm2-util", []string{"--delete-token", "--token", tok.Label}, "")
			} else {
				closeDatabase(t, dbURL)
			}
			for i := 0; ; i++ {
				code := healthz(t, srv.base)
				if code == http.StatusServiceUnavailable {
					break
				}
				if i >= 50 {
					t.Fatalf("/healthz still %d five seconds after the %s went away", code, gone)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// healthz is the status of GET /healthz (0: no answer in time).
func healthz(t *testing.T, base string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// closeDatabase makes PostgreSQL refuse new connections to the database of dbURL and ends its sessions.
func closeDatabase(t *testing.T, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS false`,
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid != pg_backend_pid()`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", u.String()); err == nil {
			db.Exec(`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS true`)
			db.Close()
		}
	})
}
