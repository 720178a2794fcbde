package cards_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/pcscd"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

const followChild = "PONTE_FOLLOW_TEST_DIR"

// The host keeps live reader events across the PC/SC service's absence and restarts: started before
// pcscd, it finds the readers once pcscd is up; after pcscd stops and starts again it reports them anew.
// The client library reads PCSCLITE_CSOCK_NAME once per process, so the body runs in a child process
// whose environment names the private daemon's socket before it exists.
func TestFollowSurvivesPCSCDRestart(t *testing.T) {
	dir := os.Getenv(followChild)
	if dir == "" {
		testenv.Tool(t, "pcscd")
		testenv.File(t, "vpcd driver (vsmartcard-vpcd)", pcscd.VPCDDriver...)
		dir = t.TempDir()
		child := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=3m")
		child.Env = append(os.Environ(), followChild+"="+dir, "PCSCLITE_CSOCK_NAME="+filepath.Join(dir, "pcscd.comm"))
		out, err := child.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}
	pcscdPath, _ := exec.LookPath("pcscd")
	if pcscdPath == "" {
		pcscdPath = "/usr/sbin/pcscd"
	}
	driver := testenv.File(t, "vpcd driver (vsmartcard-vpcd)", pcscd.VPCDDriver...)

	var mu sync.Mutex
	var logged []string
	events := make(chan string, 32) // "reader-added NAME", "reader-removed NAME"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cards.New().Follow(ctx, func(name string, data any) {
			if ev, ok := data.(protocol.ReaderEvent); ok {
				events <- name + " " + ev.Reader
			}
		}, func(format string, args ...any) {
			mu.Lock()
			logged = append(logged, format)
			mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })

	// vpcd's entry is two readers: each start adds both, each stop removes both.
	waitReaders := func(what, name string) {
		t.Helper()
		for range 2 {
			select {
			case ev := <-events:
				if !strings.HasPrefix(ev, name+" ") {
					t.Fatalf("%s: got %q, want %s", what, ev, name)
				}
				t.Logf("%s: %s", what, ev)
			case <-time.After(45 * time.Second):
				t.Fatalf("%s: no %s event", what, name)
			}
		}
	}
	start := func() *pcscd.Daemon {
		t.Helper()
		_ = os.Remove(filepath.Join(dir, "pcscd.comm")) // the previous daemon's socket file stays behind
		d, err := pcscd.Start(pcscdPath, driver, dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	// The first watch fails on the missing service before pcscd starts: wait for that failure to be
	// logged (a fixed 300 ms sleep, on a loaded machine, could start pcscd first and test nothing of it).
	failures := func() int { mu.Lock(); defer mu.Unlock(); return len(logged) }
	for i := 0; i < 450 && failures() == 0; i++ { // bounded: 45 s
		time.Sleep(100 * time.Millisecond)
	}
	if failures() == 0 {
		t.Fatal("no failure logged while pcscd was not running")
	}
	d := start()
	waitReaders("pcscd started after the host", protocol.EvReaderAdded)
	d.Stop()
	waitReaders("pcscd stopped", protocol.EvReaderRemoved)
	d = start()
	defer d.Stop()
	waitReaders("pcscd restarted", protocol.EvReaderAdded)

	mu.Lock()
	defer mu.Unlock()
	if len(logged) == 0 || len(logged) > 3 {
		t.Errorf("failures logged %d times, want once per distinct failure: %q", len(logged), logged)
	}
}
