package store

// Session 6's attacks on the journal's lock and compare-and-swap (issue #14, phase 2): the lock file
// deleted while held, a host killed while holding it, a lock file left by a crashed host, three writers
// racing on one record. Judged from the records on disk.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockBound bounds every wait for a lock below: far beyond any real wait, so that only a lock that never
// comes (a hang) or one that came when it must not ends the test.
const lockBound = 20 * time.Second

// acquire takes the folder's lock in a goroutine and reports on the channel when it has it.
func acquire(t *testing.T, dir string) (got <-chan func()) {
	ch := make(chan func(), 1)
	go func() {
		unlock, err := lockDir(dir)
		if err != nil {
			t.Error(err)
			close(ch)
			return
		}
		ch <- unlock
	}()
	return ch
}

// TestLockFileDeletedWhileHeld: host A holds the journal's lock (between its version check and its
// write); the lock file is deleted (a cleaner of dot files, a user tidying ~/.local/state). Host B must
// still wait for A: had B locked a new file of the same name, both would be between check and write, and
// the compare-and-swap would let both writes through.
func TestLockFileDeletedWhileHeld(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renewals")
	unlockA, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Whatever lock file there is goes (on unix the lock is the folder's own: there is none).
	if err := os.Remove(filepath.Join(dir, lockName)); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	b := acquire(t, dir)
	select {
	case unlockB := <-b:
		unlockB()
		unlockA()
		t.Fatal("host B took the journal's lock while host A held it (its file had been deleted)")
	case <-time.After(3 * time.Second): // B waits, as it must (a wait that ends later proves nothing more)
	}
	unlockA()
	select {
	case unlockB := <-b:
		if unlockB != nil {
			unlockB()
		}
	case <-time.After(lockBound):
		t.Fatal("host B never got the lock after A let it go")
	}
}

// TestLockOfAKilledHost: a host process is killed (SIGKILL, no chance to unlock) while it holds the
// journal's lock; the next host must get it — the kernel releases a dead process's lock — and find the
// journal as it was.
func TestLockOfAKilledHost(t *testing.T) {
	if os.Getenv("PONTE_STORE_HOLDER_DIR") != "" {
		t.Skip("child")
	}
	s := Store{Dir: filepath.Join(t.TempDir(), "renewals")}
	if err := s.Put("a1", []byte(`{"version":1,"step":"keygen"}`)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "PONTE_STORE_HOLDER_DIR="+s.Dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	locked := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "holding the lock") {
				locked <- true
				return
			}
		}
		locked <- false
	}()
	select {
	case ok := <-locked:
		if !ok {
			t.Fatal("the child ended without taking the lock")
		}
	case <-time.After(lockBound):
		cmd.Process.Kill()
		t.Fatal("the child never took the lock")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Put("a1", []byte(`{"version":2,"step":"request"}`)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the put after the holder was killed: %v", err)
		}
	case <-time.After(lockBound):
		t.Fatal("the journal stayed locked after its holder was killed")
	}
	if b, _ := os.ReadFile(s.file("a1")); string(b) != `{"version":2,"step":"request"}` {
		t.Fatalf("record after the killed holder: %s", b)
	}
}

// TestLockHolderChild takes the journal's lock, says so and waits to be killed (run by TestLockOfAKilledHost).
func TestLockHolderChild(t *testing.T) {
	dir := os.Getenv("PONTE_STORE_HOLDER_DIR")
	if dir == "" {
		t.Skip("run by TestLockOfAKilledHost")
	}
	if _, err := lockDir(dir); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("holding the lock\n")
	time.Sleep(2 * lockBound) // killed long before
}

// TestStaleLockFile: a lock file left behind by a crashed host (any content, no process holding it) must
// not block the journal, nor be listed as a record.
func TestStaleLockFile(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "renewals")}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, lockName), []byte("pid 4242\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Put("a1", []byte(`{"version":1,"step":"start"}`)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(lockBound):
		t.Fatal("a stale lock file blocked the journal")
	}
	if _, ids, err := s.List(); err != nil || len(ids) != 1 || ids[0] != "a1" {
		t.Fatalf("list with a stale lock file: %v %v", ids, err)
	}
}

// TestThreeWritersOneClaim: three tabs press RINNOVA on one certificate at once, each with its own new
// record claiming it, over and over: in every round exactly one record is written, and a claim is never
// held by two open records.
func TestThreeWritersOneClaim(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "renewals")}
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		wins := make([]bool, 3)
		for w := range wins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := "r" + string(rune('a'+round)) + string(rune('0'+w))
				wins[w] = s.Put(id, []byte(`{"version":1,"claim":"cert-x"}`)) == nil
			}()
		}
		wg.Wait()
		n := 0
		for _, w := range wins {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: %d of three writers claimed the certificate", round, n)
		}
		// The winner finishes: its record lets the claim go, for the next round.
		records, ids, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if strings.Contains(string(records[id]), `"claim":"cert-x"`) {
				if err := s.Put(id, []byte(`{"version":2,"claim":""}`)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
