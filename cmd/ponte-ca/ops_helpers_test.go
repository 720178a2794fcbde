package main

import (
	"bufio"
	"context"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/hsmtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// Helpers of the operator tests (HSM, TLS): a served CA, the independent tools.

// tokenArgs are the init flags that put a CA key in tok.
func tokenArgs(tok *hsmtest.Token) []string {
	return []string{"--pkcs11-module", tok.Module, "--pkcs11-token", tok.Label, "--pkcs11-pin-file", tok.PINFile}
}

// serveWith starts `ponte-ca serve` with args and waits for the line that gives its URL (http or https).
func serveWith(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	t.Cleanup(s.kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	u := regexp.MustCompile(`(https?://127\.0\.0\.1:\d+)/\.well-known/cmp`).FindStringSubmatch(line)
	if err != nil || u == nil {
		s.kill()
		t.Fatalf("serve printed %q (%v)\n%s", line, err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	s.base = u[1]
	return s
}

// tool runs an independent tool with a time limit and no proxy, and returns its combined output.
func tool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Tool(t, name), args...)
	cmd.Env = append(os.Environ(), "http_proxy=", "HTTP_PROXY=", "https_proxy=", "HTTPS_PROXY=", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustTool is tool that fails the test unless the command succeeds and prints every want.
func mustTool(t *testing.T, name string, args []string, wants ...string) string {
	t.Helper()
	out, err := tool(t, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("%s %v: no %q in\n%s", name, args, w, out)
		}
	}
	return out
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
