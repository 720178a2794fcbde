package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// TestRefusalsSurviveKill (attack, issue #19): refusals are appended to the audit log in groups; an
// instance SIGKILLed while refusals wait in its queue must never have answered one that is not in the
// log — a refusal is recorded before the client sees it. Eight clients send malformed CMP messages
// (each refused with badDataFormat) to one `ponte-ca serve`; once 20 were answered the process is
// killed with requests in flight (whether some then wait in a batch is the scheduler's: not asserted). Then the log holds at least as many refusals as the clients received, and verifies. On SQLite
// and on PostgreSQL.
func TestRefusalsSurviveKill(t *testing.T) {
	for _, b := range []struct{ name, db string }{{"sqlite", ""}, {"postgres", "pg"}} {
		t.Run(b.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ca")
			args := []string{"init", "--dir", dir, "--listen", "127.0.0.1:0"}
			url := "sqlite:" + filepath.Join(dir, "ca.db")
			if b.db != "" {
				url = pgcluster.NewDB(t)
				args = append(args, "--db", url)
			}
			must(t, args...)
			srv := serve(t, dir, "127.0.0.1:0")
			var answered atomic.Int64
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 40 { // bounded; ends at the kill
						if !refusedOnce(ctx, srv.base) {
							return
						}
						answered.Add(1)
					}
				}()
			}
			for i := 0; i < 600 && answered.Load() < 20; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			srv.kill()
			wg.Wait()
			got := answered.Load()
			if got < 20 {
				t.Fatalf("only %d refusals answered before the kill", got)
			}
			s, err := store.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := s.VerifyAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if logged := rep.Events[store.EventRefusal]; logged < got {
				t.Fatalf("clients received %d refusals, the audit log holds %d", got, logged)
			}
			t.Logf("%d refusals answered, %d logged", got, rep.Events[store.EventRefusal])
		})
	}
}

// refusedOnce posts a malformed CMP message and reports whether a whole answer came back.
func refusedOnce(ctx context.Context, base string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/.well-known/cmp", bytes.NewReader([]byte{0x30, 0x03, 0x02, 0x01, 0x00}))
	req.Header.Set("Content-Type", "application/pkixcmp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && len(body) > 0 && resp.StatusCode < 500
}
