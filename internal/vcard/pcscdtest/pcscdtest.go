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
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testenv"
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

// vpcdDriver is the vpcd IFD handler installed by vsmartcard-vpcd.
var vpcdDriver = []string{"/usr/lib/pcsc/drivers/serial/libifdvpcd.so", "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so"}

// Start gives the calling test its own pcscd with one vpcd reader entry, which is two readers (vpcd's two
// slots, on Ports[0] and Ports[1]). More entries in one pcscd do not work: the driver keeps its slots
// in one static table indexed by slot number (ifd-vpcd.c), so a second entry takes over the first's.
// In the parent process it
// starts pcscd, runs this test again in a child process connected to it, reports the child's result and
// returns nil: the caller returns at once. In the child it returns the Env: the caller runs its body.
func Start(t *testing.T) *Env {
	const entries = 1
	t.Helper()
	if s := os.Getenv(childVar); s != "" {
		var e Env
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			t.Fatal(err)
		}
		return &e
	}
	pcscd := testenv.Tool(t, "pcscd")
	driver := testenv.File(t, "vpcd driver (vsmartcard-vpcd)", vpcdDriver...)
	e := &Env{Dir: t.TempDir()}
	e.Socket = filepath.Join(e.Dir, "pcscd.comm")
	e.Log = filepath.Join(e.Dir, "pcscd.log")
	e.Ports = freePortPairs(t, entries)
	var conf strings.Builder
	for i := 0; i < entries; i++ {
		p := e.Ports[2*i]
		// vpcd's reader.conf: DEVICENAME /dev/null:PORT makes it listen on PORT (and PORT+1 for the
		// second slot); CHANNELID is the same port (ifd-vpcd.c IFDHCreateChannelByName).
		fmt.Fprintf(&conf, "FRIENDLYNAME \"Ponte VPCD %d\"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n\n", i, p, driver, p)
	}
	confPath := filepath.Join(e.Dir, "reader.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, pcscd, confPath, e)

	env, _ := json.Marshal(e)
	child := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=2m")
	child.Env = append(os.Environ(), childVar+"="+string(env), "PCSCLITE_CSOCK_NAME="+e.Socket)
	out, err := child.CombinedOutput()
	t.Logf("child process output:\n%s", out)
	if err != nil {
		log, _ := os.ReadFile(e.Log)
		t.Fatalf("test failed in its pcscd child process: %v\npcscd log:\n%s", err, tail(log, 60))
	}
	if !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("child process did not run %s", t.Name())
	}
	return nil
}

// startDaemon starts pcscd socket-activated on e.Socket and stops it when the test ends.
func startDaemon(t *testing.T, pcscd, confPath string, e *Env) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: e.Socket, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	f, err := l.File()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(e.Log)
	if err != nil {
		t.Fatal(err)
	}
	// sd_listen_fds checks LISTEN_PID against getpid(): the shell exports its own pid and execs pcscd.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"`,
		pcscd, "--foreground", "--info", "--apdu", "--config", confPath)
	cmd.Env = append(os.Environ(), "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{f} // fd 3 = SD_LISTEN_FDS_START
	// If the test binary dies (a timeout panic skips cleanups), pcscd goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			l.Close()
			logf.Close()
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(e.Log)
		if bytes.Contains(b, []byte("daemon ready")) {
			if bytes.Contains(b, []byte("Could not initialize connection")) {
				t.Fatalf("vpcd could not open its ports %v:\n%s", e.Ports, tail(b, 30))
			}
			return
		}
		select {
		case <-exited:
			stop()
			t.Fatalf("pcscd exited:\n%s", tail(b, 30))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("pcscd did not start:\n%s", tail(b, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePortPairs finds n pairs of consecutive free TCP ports (vpcd binds them on all interfaces). They
// are taken below Linux's ephemeral range so that other tests' 127.0.0.1:0 listeners never collide.
func freePortPairs(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for tries := 0; len(ports) < 2*n && tries < 200; tries++ {
		p := 20000 + 2*rand.IntN(5000)
		if free(p) && free(p+1) {
			ports = append(ports, p, p+1)
		}
	}
	if len(ports) < 2*n {
		t.Fatal("no free port pairs for vpcd")
	}
	return ports
}

func free(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// VPCDAddr is the loopback address a virtual card dials for slot i.
func (e *Env) VPCDAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", e.Ports[i]) }

// PCSCDLog returns the end of pcscd's log, for failure messages.
func (e *Env) PCSCDLog() string {
	b, _ := os.ReadFile(e.Log)
	return tail(b, 40)
}

func tail(b []byte, lines int) string {
	s := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return strings.Join(s, "\n")
}
