// Package pcscd starts a private PC/SC daemon with vsmartcard's vpcd reader, for the virtual TS-CNS of the
// tests and of `make demo`, without touching the system's pcscd.
//
// Two facts of pcsc-lite 1.9.9 shape it. The daemon ignores PCSCLITE_CSOCK_NAME and refuses to start next
// to another pcscd, except when it is socket-activated (pcscdaemon.c: sd_listen_fds), so it is handed a
// listening socket of its own the systemd way (LISTEN_FDS, LISTEN_PID). Clients (ponte-host, OpenSC)
// reach it with PCSCLITE_CSOCK_NAME=Socket in their environment; the client library reads it once per
// process.
package pcscd

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// VPCDDriver lists where vsmartcard-vpcd installs its IFD handler.
var VPCDDriver = []string{"/usr/lib/pcsc/drivers/serial/libifdvpcd.so", "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so"}

// Daemon is a running private pcscd with one vpcd reader entry, which is two readers (vpcd's two slots, on
// Ports[0] and Ports[1]). More entries in one pcscd do not work: the driver keeps its slots in one static
// table indexed by slot number (ifd-vpcd.c), so a second entry takes over the first's.
type Daemon struct {
	Socket string // PCSCLITE_CSOCK_NAME for clients
	Ports  []int  // the vpcd ports of the two readers, in the order pcscd names the readers
	Log    string // pcscd's log file

	cmd    *exec.Cmd
	l      *net.UnixListener
	logf   *os.File
	exited chan struct{}
	once   sync.Once
}

// Start runs pcscd (path) with a vpcd reader in dir (which receives the socket, the reader.conf and the
// log) and waits until it is ready.
func Start(pcscd, driver, dir string) (*Daemon, error) {
	d := &Daemon{Socket: filepath.Join(dir, "pcscd.comm"), Log: filepath.Join(dir, "pcscd.log"), exited: make(chan struct{})}
	p, err := freePortPair()
	if err != nil {
		return nil, err
	}
	d.Ports = []int{p, p + 1}
	// vpcd's reader.conf: DEVICENAME /dev/null:PORT makes it listen on PORT (and PORT+1 for the second
	// slot); CHANNELID is the same port (ifd-vpcd.c IFDHCreateChannelByName).
	conf := fmt.Sprintf("FRIENDLYNAME \"Ponte VPCD\"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n", p, driver, p)
	confPath := filepath.Join(dir, "reader.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: d.Socket, Net: "unix"})
	if err != nil {
		return nil, err
	}
	l.SetUnlinkOnClose(false)
	d.l = l
	f, err := l.File()
	if err != nil {
		l.Close()
		return nil, err
	}
	defer f.Close()
	if d.logf, err = os.Create(d.Log); err != nil {
		l.Close()
		return nil, err
	}
	// sd_listen_fds checks LISTEN_PID against getpid(): the shell exports its own pid and execs pcscd.
	d.cmd = exec.Command("/bin/sh", "-c", `LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"`,
		pcscd, "--foreground", "--info", "--apdu", "--config", confPath)
	d.cmd.Env = append(os.Environ(), "LISTEN_FDS=1")
	d.cmd.ExtraFiles = []*os.File{f} // fd 3 = SD_LISTEN_FDS_START
	d.cmd.Stdout, d.cmd.Stderr = d.logf, d.logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		l.Close()
		d.logf.Close()
		return nil, err
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(d.Log)
		if bytes.Contains(b, []byte("daemon ready")) {
			if bytes.Contains(b, []byte("Could not initialize connection")) {
				d.Stop()
				return nil, fmt.Errorf("vpcd could not open its ports %v:\n%s", d.Ports, Tail(b, 30))
			}
			return d, nil
		}
		select {
		case <-d.exited:
			d.Stop()
			return nil, fmt.Errorf("pcscd exited:\n%s", Tail(b, 30))
		default:
		}
		if time.Now().After(deadline) {
			d.Stop()
			return nil, fmt.Errorf("pcscd did not start:\n%s", Tail(b, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the daemon (SIGTERM, then SIGKILL after 10 s).
func (d *Daemon) Stop() {
	d.once.Do(func() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
		d.l.Close()
		d.logf.Close()
	})
}

// VPCDAddr is the loopback address a virtual card dials for reader i (0 or 1).
func (d *Daemon) VPCDAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", d.Ports[i]) }

// LogTail returns the end of pcscd's log, for failure messages.
func (d *Daemon) LogTail() string {
	b, _ := os.ReadFile(d.Log)
	return Tail(b, 40)
}

// freePortPair finds two consecutive free TCP ports for vpcd, below Linux's ephemeral range so that
// 127.0.0.1:0 listeners elsewhere never collide.
func freePortPair() (int, error) {
	for tries := 0; tries < 200; tries++ {
		p := 20000 + 2*rand.IntN(5000)
		if free(p) && free(p+1) {
			return p, nil
		}
	}
	return 0, errors.New("pcscd: no free port pair for vpcd")
}

func free(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Tail returns the last lines of b.
func Tail(b []byte, lines int) string {
	s := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return strings.Join(s, "\n")
}
