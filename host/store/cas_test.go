package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPutIsCompareAndSwap: a put is written only over the version its writer read; a stale writer, one
// skipping a version and one bringing back a deleted record get ErrBusy and change nothing on disk.
func TestPutIsCompareAndSwap(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	put := func(rec string) error { return s.Put("a1", []byte(rec)) }
	if err := put(`{"version":2,"step":"keygen"}`); !errors.Is(err, ErrBusy) {
		t.Fatalf("a first record at version 2: %v", err)
	}
	if err := put(`{"version":1,"step":"start"}`); err != nil {
		t.Fatal(err)
	}
	if err := put(`{"version":2,"step":"keygen"}`); err != nil {
		t.Fatal(err)
	}
	for _, stale := range []string{`{"version":2,"step":"request"}`, `{"version":1,"step":"start"}`, `{"version":4,"step":"write"}`} {
		if err := put(stale); !errors.Is(err, ErrBusy) {
			t.Errorf("put %s over version 2: %v", stale, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.Dir, "a1.json")); string(b) != `{"version":2,"step":"keygen"}` {
		t.Fatalf("the stored record changed: %s", b)
	}
	if err := s.Delete("a1"); err != nil {
		t.Fatal(err)
	}
	if err := put(`{"version":3,"step":"request"}`); !errors.Is(err, ErrBusy) {
		t.Fatalf("a stale copy brought a deleted record back: %v", err)
	}
	// A record from before versions reads as version 0.
	os.WriteFile(filepath.Join(s.Dir, "old.json"), []byte(`{"step":"waiting"}`), 0o600)
	if err := s.Put("old", []byte(`{"version":1,"step":"write"}`)); err != nil {
		t.Fatalf("resuming a record from before versions: %v", err)
	}
}

// TestClaimIsCreateIfAbsent: a new record claiming what another record claims is refused; once the other
// has let its claim go (finished: claim ""), the same claim can be made again.
func TestClaimIsCreateIfAbsent(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	if err := s.Put("a", []byte(`{"version":1,"claim":"cert-1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("b", []byte(`{"version":1,"claim":"cert-1"}`)); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second claim of cert-1: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "b.json")); !os.IsNotExist(err) {
		t.Fatalf("the refused record was written: %v", err)
	}
	if err := s.Put("c", []byte(`{"version":1,"claim":"cert-2"}`)); err != nil {
		t.Fatalf("another certificate: %v", err)
	}
	if err := s.Put("a", []byte(`{"version":2,"claim":""}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("b", []byte(`{"version":1,"claim":"cert-1"}`)); err != nil {
		t.Fatalf("claiming a certificate whose renewal finished: %v", err)
	}
}

// casWriters is how many writers race in the tests below; casRounds how many versions each tries.
const casWriters, casRounds = 4, 25

// TestConcurrentPutsAdvanceOneAtATime: writers in goroutines each read the version and put the next one,
// as engines do. Every version is written by exactly one writer: the winners' count is the final version.
func TestConcurrentPutsAdvanceOneAtATime(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	var wg sync.WaitGroup
	wins := make([]int, casWriters)
	for w := range casWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wins[w] = race(s, "shared", w, casRounds)
		}()
	}
	wg.Wait()
	checkRace(t, s, wins)
}

// TestPutsFromTwoProcesses: the same race between processes (two host processes of one user: two
// browser profiles, a tab and `ponte renew`). Each child is this test binary running raceChild.
func TestPutsFromTwoProcesses(t *testing.T) {
	if os.Getenv("PONTE_STORE_RACE_DIR") != "" {
		t.Skip("child")
	}
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	var wg sync.WaitGroup
	wins := make([]int, casWriters)
	errs := make([]error, casWriters)
	for w := range casWriters {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRaceChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PONTE_STORE_RACE_DIR="+s.Dir, "PONTE_STORE_RACE_WRITER="+strconv.Itoa(w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[w] = fmt.Errorf("child %d: %v\n%s", w, err, out)
				return
			}
			_, after, ok := strings.Cut(string(out), "wins=")
			if !ok {
				errs[w] = fmt.Errorf("child %d said no count:\n%s", w, out)
				return
			}
			wins[w], errs[w] = strconv.Atoi(strings.Fields(after)[0])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	checkRace(t, s, wins)
}

// TestRaceChild is one writer process of TestPutsFromTwoProcesses (skipped when run on its own).
func TestRaceChild(t *testing.T) {
	dir := os.Getenv("PONTE_STORE_RACE_DIR")
	if dir == "" {
		t.Skip("run by TestPutsFromTwoProcesses")
	}
	w, _ := strconv.Atoi(os.Getenv("PONTE_STORE_RACE_WRITER"))
	fmt.Printf("wins=%d\n", race(Store{Dir: dir}, "shared", w, casRounds))
}

// race reads the record's version and puts the next one, rounds times; it returns how many puts won.
// Each winner also appends its name to the record's list, so a lost update would show as a missing name.
func race(s Store, id string, writer, rounds int) int {
	won := 0
	for range rounds {
		m, _, err := s.List()
		if err != nil {
			continue
		}
		var v int64
		var names string
		if b, ok := m[id]; ok {
			fmt.Sscanf(string(b), `{"version":%d,"names":%q}`, &v, &names)
		}
		rec := fmt.Sprintf(`{"version":%d,"names":%q}`, v+1, names+strconv.Itoa(writer))
		if err := s.Put(id, []byte(rec)); err == nil {
			won++
		}
	}
	return won
}

// checkRace: the record's version is the number of winning puts, and its list holds every winner's name
// as many times as it won — no put was lost or written over a version it did not read.
func checkRace(t *testing.T, s Store, wins []int) {
	t.Helper()
	m, _, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var v int64
	var names string
	if _, err := fmt.Sscanf(string(m["shared"]), `{"version":%d,"names":%q}`, &v, &names); err != nil {
		t.Fatalf("record %s: %v", m["shared"], err)
	}
	total := 0
	for w, n := range wins {
		total += n
		if got := strings.Count(names, strconv.Itoa(w)); got != n {
			t.Errorf("writer %d won %d puts, the record names it %d times (%s)", w, n, got, names)
		}
	}
	if int64(total) != v || total == 0 {
		t.Fatalf("%d winning puts, record at version %d (wins %v)", total, v, wins)
	}
	t.Logf("version %d, wins per writer %v", v, wins)
}

// TestLeaseRefusesATakeOver: a record saved by a running engine is held for it until the lease the host
// stamped (on the host's clock) ends: another owner's save at the right version is refused and changes
// nothing; the owner's own saves go on and refresh the lease; once the owner has stopped, or once the
// lease has ended (a crashed tab), another owner takes it over at once. The writer cannot date its lease.
func TestLeaseRefusesATakeOver(t *testing.T) {
	clock := time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)
	s := Store{Dir: filepath.Join(t.TempDir(), "r"), Now: func() time.Time { return clock }, Lease: time.Minute}
	stored := func() meta {
		t.Helper()
		m, _, err := s.meta("a")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	put := func(v int, owner string, stopped bool) error {
		return s.Put("a", []byte(fmt.Sprintf(`{"version":%d,"owner":%q,"stopped":%t,"leaseUntil":"2999-01-01T00:00:00Z"}`, v, owner, stopped)))
	}
	if err := put(1, "tab1", false); err != nil {
		t.Fatal(err)
	}
	if got, want := stored().LeaseUntil, clock.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("lease until %s, want the host's clock plus the lease %s (the writer's date ignored)", got, want)
	}
	clock = clock.Add(50 * time.Second)
	if err := put(2, "tab2", false); !errors.Is(err, ErrBusy) {
		t.Fatalf("a take-over within the lease: %v", err)
	}
	if m := stored(); m.Version != 1 || m.Owner != "tab1" {
		t.Fatalf("the refused take-over changed the record: %+v", m)
	}
	if err := put(2, "tab1", false); err != nil {
		t.Fatalf("the owner's own save: %v", err)
	}
	clock = clock.Add(50 * time.Second) // past the first lease, within the refreshed one
	if err := put(3, "tab2", false); !errors.Is(err, ErrBusy) {
		t.Fatalf("a take-over within the refreshed lease: %v", err)
	}
	if err := put(3, "tab1", true); err != nil {
		t.Fatalf("the owner stopping: %v", err)
	}
	if m := stored(); !m.LeaseUntil.IsZero() {
		t.Fatalf("a stopped owner still holds a lease until %s", m.LeaseUntil)
	}
	if err := put(4, "tab2", false); err != nil {
		t.Fatalf("a take-over once the owner stopped: %v", err)
	}
	// tab2 crashes mid-step: refused until its lease ends on the host's clock, then taken over.
	clock = clock.Add(time.Minute - time.Nanosecond)
	if err := put(5, "tab3", false); !errors.Is(err, ErrBusy) {
		t.Fatalf("a take-over just before the lease ended: %v", err)
	}
	clock = clock.Add(time.Nanosecond)
	if err := put(5, "tab3", false); err != nil {
		t.Fatalf("a take-over once the lease ended: %v", err)
	}
	if m := stored(); m.Version != 5 || m.Owner != "tab3" || !m.LeaseUntil.Equal(clock.Add(time.Minute)) {
		t.Fatalf("after the take-over: %+v", m)
	}
}
