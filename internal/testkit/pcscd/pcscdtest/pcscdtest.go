// Package pcscdtest gives a test its own pcscd with vpcd readers, so tests of the real PC/SC stack run in
// parallel without touching the system's daemon.
//
// Two facts of pcsc-lite 1.9.9 shape it. The daemon ignores PCSCLITE_CSOCK_NAME and refuses to start
// next to another pcscd, except when it is socket-activated (pcscdaemon.c: sd_listen_fds), so the test
// hands it a listening socket of its own the systemd way (LISTEN_FDS, LISTEN_PID). The client library
// reads PCSCLITE_CSOCK_NAME once per process (winscard_msg.c getSocketName caches it), so a test that
// wants its own daemon runs its body in a child process: Start runs the test binary again for that one
// test with the socket in its environment.
package pcscdtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/pcscd"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Env describes the private pcscd of a test.
type Env struct {
	Socket string // PCSCLITE_CSOCK_NAME
	// Ports are the vpcd ports of the two readers (vpcd opens two slots: port and port+1), in the
	// order pcscd names the readers.
	Ports []int
	Log   string // pcscd's log file
	Dir   string // the test's private directory (pcscd socket, log, reader.conf)
}

const childVar = "PONTE_PCSCD_TEST_ENV"

// Start gives the calling test its own pcscd with one vpcd reader entry, which is two readers (vpcd's two
// slots, on Ports[0] and Ports[1]). More entries in one pcscd do not work: the driver keeps its slots
// in one static table indexed by slot number (ifd-vpcd.c), so a second entry takes over the first's.
// In the parent process it
// starts pcscd, runs this test again in a child process connected to it, reports the child's result and
// returns nil: the caller returns at once. In the child it returns the Env: the caller runs its body.
func Start(t *testing.T) *Env {
	t.Helper()
	if s := os.Getenv(childVar); s != "" {
		var e Env
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			t.Fatal(err)
		}
		return &e
	}
	pcscdPath := testenv.Tool(t, "pcscd")
	driver := testenv.File(t, "vpcd driver (vsmartcard-vpcd)", pcscd.VPCDDriver...)
	e := &Env{Dir: t.TempDir()}
	d, err := pcscd.Start(pcscdPath, driver, e.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	e.Socket, e.Ports, e.Log = d.Socket, d.Ports, d.Log

	env, _ := json.Marshal(e)
	child := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=2m")
	child.Env = append(os.Environ(), childVar+"="+string(env), "PCSCLITE_CSOCK_NAME="+e.Socket)
	out, err := child.CombinedOutput()
	t.Logf("child process output:\n%s", out)
	if err != nil {
		log, _ := os.ReadFile(e.Log)
		t.Fatalf("test failed in its pcscd child process: %v\npcscd log:\n%s", err, pcscd.Tail(log, 60))
	}
	if !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("child process did not run %s", t.Name())
	}
	return nil
}

// VPCDAddr is the loopback address a virtual card dials for slot i.
func (e *Env) VPCDAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", e.Ports[i]) }

// PCSCDLog returns the end of pcscd's log, for failure messages.
func (e *Env) PCSCDLog() string {
	b, _ := os.ReadFile(e.Log)
	return pcscd.Tail(b, 40)
}
