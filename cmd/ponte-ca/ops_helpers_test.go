package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/ponte-it/ponte/internal/testenv"
)

// Helpers of the operator tests (HSM, TLS, metrics): a SoftHSM2 token, a served CA, openssl.

// softToken is a private SoftHSM2 token for the CA key.
type softToken struct {
	module, label, pinFile, dir string
}

const testTokenPIN = "246810" // a test PIN, never a real secret

// newSoftToken initialises a token in a private SoftHSM2 store; SOFTHSM2_CONF is set for the test, so
// the ponte-ca processes it starts use the same store.
func newSoftToken(t *testing.T) *softToken {
	t.Helper()
	module := testenv.File(t, "libsofthsm2.so (package softhsm2)", "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
	util := testenv.Tool(t, "softhsm2-util")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	tok := &softToken{module: module, label: "ponte-ca-hsm", pinFile: filepath.Join(t.TempDir(), "pin"), dir: dir}
	if out, err := exec.Command(util, "--init-token", "--free", "--label", tok.label, "--pin", testTokenPIN, "--so-pin", "13579111").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	if err := os.WriteFile(tok.pinFile, []byte(testTokenPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return tok
}

// initArgs are the flags that put a CA key in the token.
func (k *softToken) initArgs() []string {
	return []string{"--pkcs11-module", k.module, "--pkcs11-token", k.label, "--pkcs11-pin-file", k.pinFile}
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

// checkValueSensitive asks the token itself for the private key's value (C_GetAttributeValue
// CKA_VALUE): a sensitive key answers CKR_ATTRIBUTE_SENSITIVE (PKCS#11 v2.40 §5.7), and CKA_SENSITIVE
// and CKA_EXTRACTABLE read true and false.
func (k *softToken) checkValueSensitive(t *testing.T, label string) {
	t.Helper()
	p := pkcs11.New(k.module)
	if p == nil {
		t.Fatalf("cannot load %s", k.module)
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	slots, err := p.GetSlotList(true)
	if err != nil || len(slots) == 0 {
		t.Fatalf("slots %v %v", slots, err)
	}
	sh, err := p.OpenSession(slots[0], pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseSession(sh)
	if err := p.Login(sh, pkcs11.CKU_USER, testTokenPIN); err != nil {
		t.Fatal(err)
	}
	defer p.Logout(sh)
	p.FindObjectsInit(sh, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	hs, _, err := p.FindObjects(sh, 4)
	p.FindObjectsFinal(sh)
	if err != nil || len(hs) != 1 {
		t.Fatalf("private keys labelled %q: %d %v", label, len(hs), err)
	}
	if v, err := p.GetAttributeValue(sh, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)}); err == nil || err.(pkcs11.Error) != pkcs11.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("CKA_VALUE of the CA key: %d attributes read, %v", len(v), err)
	}
	a, err := p.GetAttributeValue(sh, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil)})
	if err != nil || !bytes.Equal(a[0].Value, []byte{1}) || !bytes.Equal(a[1].Value, []byte{0}) {
		t.Fatalf("CKA_SENSITIVE, CKA_EXTRACTABLE: %v %v", a, err)
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
