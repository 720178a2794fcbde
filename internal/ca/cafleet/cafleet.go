// Package cafleet runs several real ponte-ca processes on one CA directory and one database behind a
// round-robin front, and drives paid renewals through them that survive any instance being killed: the
// multi-instance kill test of cmd/ponte-ca (short) and the CA section of `make bench` (full, and the
// throughput runs) share it. Everything listens on loopback; every loop is bounded in count and time.
package cafleet

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
)

// Profile is the CMP profile the renewals use: the cns one, paid, one renewal per certificate.
const Profile = "fleet"

// Account is the prepaid account the renewals charge.
const Account, Password = "fleet", "una-password-lunga"

// Setup prepares the CA in dir (already initialised on its database): the paid profile with delay
// seconds of delayed issuance (polling), an account with balance cents, and one holder per entry of keys
// (keys[i] certified, keys[i+1] its next key), issued inside the renewal window.
func Setup(dir, db string, delay int, price, balance int64, keys []crypto.Signer, holders int) ([]*Holder, error) {
	c, err := ca.OpenDB(dir, db)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p := *c.Profiles["cns"]
	p.Name, p.DelaySeconds, p.Price, p.RenewalsPerCertificate, p.ImplicitConfirm = Profile, delay, price, 1, nil
	if err := c.AddProfile(&p); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := c.AddAccount(ctx, Account, Password, balance); err != nil {
		return nil, err
	}
	nb := time.Now().UTC().Truncate(time.Second).AddDate(0, 0, -1060)
	var out []*Holder
	for i := range holders {
		key, next := keys[i%len(keys)], keys[(i+1)%len(keys)]
		spki, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		subj, err := dn.Marshal(fmt.Sprintf("/C=IT/CN=TITOLARE %d/serialNumber=TINIT-FLEET%06d", i, i))
		if err != nil {
			return nil, err
		}
		cert, err := c.Issue(ctx, &ca.Request{Subject: subj, SPKI: spki, Role: profile.RoleCNS, NotBefore: nb, NotAfter: nb.AddDate(0, 0, 1100), Profile: "cns"})
		if err != nil {
			return nil, err
		}
		out = append(out, &Holder{Cert: cert, Key: key, NewKey: next})
	}
	return out, nil
}

// Fleet is n ponte-ca instances serving one CA directory, and the front that spreads requests over them.
type Fleet struct {
	bin, dir, db string

	mu    sync.Mutex
	addrs []string    // each instance's listen address, kept across restarts
	procs []*exec.Cmd // nil while killed
	front *http.Server
	url   string
	next  atomic.Uint64
	hc    *http.Client

	Kills, Restarts atomic.Int64
	Retried         atomic.Int64 // requests the front sent on to another instance (the first one was down)
}

// Start starts n instances of bin (ponte-ca) on dir and database db ("" for the directory's own) and the
// front on 127.0.0.1:0.
func Start(bin, dir, db string, n int) (*Fleet, error) {
	f := &Fleet{bin: bin, dir: dir, db: db, addrs: make([]string, n), procs: make([]*exec.Cmd, n),
		hc: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := range n {
		f.addrs[i] = "127.0.0.1:0"
		if err := f.Restart(i); err != nil {
			f.Stop()
			return nil, err
		}
	}
	f.Restarts.Store(0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Stop()
		return nil, err
	}
	f.url = "http://" + ln.Addr().String()
	f.front = &http.Server{Handler: http.HandlerFunc(f.forward), ReadHeaderTimeout: 10 * time.Second}
	go f.front.Serve(ln)
	return f, nil
}

// URL is the front's base URL: CMP at cmp.Endpoint(URL, Profile).
func (f *Fleet) URL() string { return f.url }

// N is the number of instances.
func (f *Fleet) N() int { return len(f.addrs) }

var listening = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/\.well-known/cmp`)

// Restart starts instance i (again) on its address; a port taken meanwhile gives it a new one.
func (f *Fleet) Restart(i int) error {
	f.mu.Lock()
	addr := f.addrs[i]
	f.mu.Unlock()
	var err error
	for _, a := range []string{addr, "127.0.0.1:0"} {
		if err = f.start(i, a); err == nil {
			f.Restarts.Add(1)
			return nil
		}
	}
	return err
}

func (f *Fleet) start(i int, addr string) error {
	args := []string{"serve", "--dir", f.dir, "--listen", addr}
	if f.db != "" {
		args = append(args, "--db", f.db)
	}
	cmd := exec.Command(f.bin, args...)
	// The instances go with the process that started them, even when it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := listening.FindStringSubmatch(line)
	if err != nil || m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("ponte-ca serve printed %q (%v): %s", line, err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	f.mu.Lock()
	f.addrs[i], f.procs[i] = m[1], cmd
	f.mu.Unlock()
	return nil
}

// Kill stops instance i at once (SIGKILL): no orderly shutdown, as a crash.
func (f *Fleet) Kill(i int) {
	f.mu.Lock()
	cmd := f.procs[i]
	f.procs[i] = nil
	f.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		cmd.Wait()
		f.Kills.Add(1)
	}
}

// Stop ends the front and every instance.
func (f *Fleet) Stop() {
	if f.front != nil {
		f.front.Close()
	}
	for i := range f.procs {
		f.Kill(i)
	}
}

// forward sends a CMP POST to the instances in turn: an instance that refuses the connection (killed,
// not restarted yet) is skipped, as a load balancer does; one that fails after the request went out is
// a 502, which the client retries (the message may have been handled: CMP retries are safe, that is what
// the test is about).
func (f *Fleet) forward(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "front: "+err.Error(), http.StatusBadRequest)
		return
	}
	start := f.next.Add(1)
	for k := range uint64(2 * len(f.addrs)) {
		f.mu.Lock()
		addr := f.addrs[(start+k)%uint64(len(f.addrs))]
		f.mu.Unlock()
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "http://"+addr+r.URL.Path, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := f.hc.Do(req)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			f.Retried.Add(1)
			continue
		}
		if err != nil {
			http.Error(w, "front: "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "front: no instance up", http.StatusBadGateway)
}

// CPU is the processor time the running instances have used so far (user and system, from
// /proc/PID/stat): what a renewal costs the CA, whatever else the machine is doing.
func (f *Fleet) CPU() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var d time.Duration
	for _, cmd := range f.procs {
		if cmd != nil {
			d += ProcessCPU(cmd.Process.Pid)
		}
	}
	return d
}

// ProcessCPU is the processor time process pid has used (utime + stime, Linux; 0 elsewhere).
func ProcessCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at state, field 3: utime is 14, stime 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is sysconf(_SC_CLK_TCK), 100 on Linux.
const clockTicks = 100

// KillLoop kills a random instance every interval (give or take half of it) and restarts it after pause,
// until ctx ends. It returns the first restart error.
func (f *Fleet) KillLoop(ctx context.Context, interval, pause time.Duration) error {
	for {
		d := interval/2 + time.Duration(randInt(int64(interval)))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		i := randInt(int64(f.N()))
		f.Kill(int(i))
		time.Sleep(pause)
		if err := f.Restart(int(i)); err != nil {
			return err
		}
	}
}

func randInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
