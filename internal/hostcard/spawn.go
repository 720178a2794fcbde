//go:build !js

package hostcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ponte-it/ponte/internal/nativemsg"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Spawned is a ponte-host child process speaking the protocol on its stdin/stdout (`ponte-host stdio`).
type Spawned struct {
	*protocol.Client
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

// FindHost returns the ponte-host to run: $PONTE_HOST, else next to this executable, else on PATH.
func FindHost() (string, error) {
	if p := os.Getenv("PONTE_HOST"); p != "" {
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "ponte-host")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("ponte-host")
	if err != nil {
		return "", errors.New("ponte-host non trovato: installarlo o indicarlo con PONTE_HOST / ponte-host not found: install it or set PONTE_HOST")
	}
	return p, nil
}

// Spawn starts ponte-host and performs the handshake. onEvent may be nil.
func Spawn(ctx context.Context, host, client string, onEvent func(protocol.Message)) (*Spawned, error) {
	return SpawnEnv(ctx, host, client, nil, onEvent)
}

// SpawnEnv is Spawn with env (KEY=value) added to this process's environment for the child: tests that run
// several cards, each with its own token and PC/SC service, side by side in one process.
func SpawnEnv(ctx context.Context, host, client string, env []string, onEvent func(protocol.Message)) (*Spawned, error) {
	cmd := exec.Command(host, "stdio")
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("avvio di %s / starting %s: %w", host, host, err)
	}
	s := &Spawned{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	s.Client = protocol.NewClient(func(b []byte) error {
		return nativemsg.Write(stdin, b, protocol.MaxInbound)
	}, onEvent)
	go func() {
		defer close(s.done)
		r := nativemsg.NewReader(stdout, protocol.MaxOutbound)
		for {
			b, err := r.Read()
			if err != nil {
				s.Client.Close(fmt.Errorf("ponte-host ended: %w", err))
				return
			}
			s.Client.Deliver(b)
		}
	}()
	if _, err := s.Client.Hello(ctx, client); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close ends the session and waits for the host to exit.
func (s *Spawned) Close() error {
	s.stdin.Close()
	<-s.done
	return s.cmd.Wait()
}
