package pgcluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

var shared struct {
	once sync.Once
	c    *Cluster
	err  error
	dbs  atomic.Int64
}

// Shared is the test binary's one cluster, started at its first use (a few seconds) and stopped by
// StopShared, which the package's TestMain calls. Without PostgreSQL installed the test is skipped (failed
// under PONTE_INTEGRATION=1, as for every missing tool).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if !Available() {
		testenv.Missing(t, "PostgreSQL is not installed (package postgresql; run scripts/deps.sh)")
	}
	shared.once.Do(func() { shared.c, shared.err = Start("", Options{}) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

// NewDB creates an empty database in the shared cluster for one test and returns its URL.
func NewDB(t testing.TB) string {
	t.Helper()
	c := Shared(t)
	url, err := c.CreateDB(context.Background(), fmt.Sprintf("t%d", shared.dbs.Add(1)))
	if err != nil {
		t.Fatalf("%v\n%s", err, c.LogTail())
	}
	return url
}

// StopShared stops the shared cluster, if one was started.
func StopShared() {
	if shared.c != nil {
		shared.c.Stop()
	}
}
