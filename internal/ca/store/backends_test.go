package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// The behaviour tests run once per backend: the embedded SQLite file and a database in a private
// PostgreSQL cluster (internal/testkit/pgcluster, started once for the package).
func TestMain(m *testing.M) {
	code := m.Run()
	pgcluster.StopShared()
	os.Exit(code)
}

// backendURL makes an empty database of one kind for a test and returns its URL.
type backendURL func(t *testing.T) string

var backends = []struct {
	name string
	url  backendURL
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "ca.db") }},
	{"postgres", func(t *testing.T) string { return pgcluster.NewDB(t) }},
}

// eachBackend runs f as a subtest per backend.
func eachBackend(t *testing.T, f func(t *testing.T, newURL backendURL)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.url) })
	}
}

// openURL opens url for the test, closed at cleanup.
func openURL(t *testing.T, url string) Store {
	t.Helper()
	s, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fresh opens an empty database of the backend.
func fresh(t *testing.T, newURL backendURL) Store { return openURL(t, newURL(t)) }

// dbInt reads one integer straight from the database with raw SQL (? placeholders), so the tests assert
// on the tables, not only on what the store's methods report.
func dbInt(t *testing.T, s Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.(*sqlStore).c().row(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// emptyAll deletes every row of every table: a fresh database for the next generated sequence without
// creating one (which takes PostgreSQL a second).
func emptyAll(t *testing.T, s Store) {
	t.Helper()
	for _, table := range []string{"certs", "transactions", "nonces", "accounts", "charges", "acceptances", "audit"} {
		if _, err := s.(*sqlStore).c().exec(t.Context(), `DELETE FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
}
