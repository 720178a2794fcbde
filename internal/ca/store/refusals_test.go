package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestRefusalsGrouped: refusals arriving together on one instance are appended in shared batches
// (Refuse's group commit) while another instance writes: each Refuse returns only once its record is in
// the database — another handle reads it there at once — every record is in the log exactly once, and the
// chain verifies.
func TestRefusalsGrouped(t *testing.T) { eachBackend(t, testRefusalsGrouped) }

func testRefusalsGrouped(t *testing.T, newURL backendURL) {
	const n = 40
	ctx := context.Background()
	url := newURL(t)
	a, b := openURL(t, url), openURL(t, url)
	if err := b.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 0}); err != nil {
		t.Fatal(err)
	}
	batches := refusalBatches.Load()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			detail := fmt.Sprintf("p=cns kur failInfo=badPOP: refusal %d", i)
			if err := a.Refuse(ctx, Event{TransactionID: fmt.Sprintf("t%d", i), Detail: detail}); err != nil {
				t.Error(err)
				return
			}
			if got := dbInt(t, b, `SELECT count(*) FROM audit WHERE event = ? AND detail = ?`, EventRefusal, detail); got != 1 {
				t.Errorf("refusal %d: %d records after Refuse returned, want 1", i, got)
			}
			if i%4 == 0 {
				if err := b.Credit(ctx, "acc", 1); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got := dbInt(t, b, `SELECT count(DISTINCT transaction_id) FROM audit WHERE event = ?`, EventRefusal); got != n {
		t.Fatalf("%d refusals in the log, want %d", got, n)
	}
	rep, err := b.VerifyAudit(ctx)
	if err != nil || rep.Events[EventRefusal] != n || rep.Balances["acc"] != n/4 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	t.Logf("%d refusals in %d batches", n, refusalBatches.Load()-batches)
}
