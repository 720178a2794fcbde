// Package pgcluster starts a private PostgreSQL cluster (Debian's postgresql package) for ponte-ca's tests
// and `make bench`, as internal/pcscd starts a private pcscd: initdb in a folder of its own, the server
// listening on a Unix socket in that folder only (no TCP port, so parallel tests never collide), stopped
// with the process that started it.
//
// PostgreSQL refuses to run as root (initdb and postgres check geteuid), and CI runs the tests as root:
// then the cluster runs as the unprivileged user nobody, owning its folder, and root connects through
// the socket as the cluster's superuser, which is named after the user running the tests, so a URL needs
// no user name.
package pgcluster

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/ponte-it/ponte/internal/testkit/pcscd"
)

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	Dir    string // the cluster's folder: data/, the socket, the log
	Socket string // the folder holding the Unix socket (the URL's host)
	Log    string

	cmd    *exec.Cmd
	logf   *os.File
	exited chan struct{}
	once   sync.Once
}

// Options tune a cluster.
type Options struct {
	// Durable keeps PostgreSQL's default fsync and synchronous_commit (make bench). The tests turn them
	// off: they kill ponte-ca, never the database, and durability of PostgreSQL itself is not what they test.
	Durable bool
}

// binDirs are where Debian installs the server programs (not on PATH: /usr/lib/postgresql/VERSION/bin).
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		return "", fmt.Errorf("initdb non trovato (pacchetto postgresql) / initdb not found (package postgresql)")
	}
	return filepath.Dir(m[len(m)-1]), nil
}

// Available reports whether the PostgreSQL server programs are installed.
func Available() bool { _, err := binDir(); return err == nil }

// Start creates a cluster in a new folder under parent ("" for the system's temporary folder) and waits
// until it accepts connections. Run as root, the user nobody must be able to reach parent (the system's
// temporary folder is fine; t.TempDir's mode 0700 folders are not).
func Start(parent string, o Options) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, "pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Socket: dir, Log: filepath.Join(dir, "postgres.log"), exited: make(chan struct{})}
	me, err := user.Current()
	if err != nil {
		return nil, err
	}
	cred, err := runAs(dir)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", me.Username, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	args := []string{"-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "max_connections=200"}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	if c.logf, err = os.Create(c.Log); err != nil {
		return nil, err
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = c.logf, c.logf
	// The server goes with the process that started it, even when that one is killed.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := c.cmd.Start(); err != nil {
		c.logf.Close()
		return nil, err
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	if err := c.waitReady(30 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// runAs chowns dir to nobody and returns nobody's credential when running as root; nil otherwise.
func runAs(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	// MkdirTemp makes the folder 0700; nobody owns it now, and root passes anyway.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) waitReady(max time.Duration) error {
	deadline := time.Now().Add(max)
	for {
		b, _ := os.ReadFile(c.Log)
		if bytes.Contains(b, []byte("ready to accept connections")) {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("postgres è terminato / postgres exited:\n%s", pcscd.Tail(b, 30))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres non è partito / postgres did not start:\n%s", pcscd.Tail(b, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the ponte-ca --db URL of database name in this cluster.
func (c *Cluster) URL(name string) string {
	return "postgres:///" + name + "?host=" + c.Socket
}

// CreateDB creates an empty database and returns its URL.
func (c *Cluster) CreateDB(ctx context.Context, name string) (string, error) {
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`" STRATEGY = FILE_COPY`); err != nil {
		return "", err
	}
	return c.URL(name), nil
}

// Stop ends the server (fast shutdown, then SIGKILL after 10 s) and removes its folder.
func (c *Cluster) Stop() {
	c.once.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		c.logf.Close()
		os.RemoveAll(c.Dir)
	})
}

// Processes lists the server's processes (the postmaster and its children: backends, writers), for
// measuring what the database costs (cafleet.ProcessCPU).
func (c *Cluster) Processes() []int {
	pids := []int{c.cmd.Process.Pid}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(c.cmd.Process.Pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// LogTail returns the end of the server's log, for failure messages.
func (c *Cluster) LogTail() string {
	b, _ := os.ReadFile(c.Log)
	return pcscd.Tail(b, 40)
}
