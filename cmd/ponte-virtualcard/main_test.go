package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/testkit/pcscd/pcscdtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ponte-virtualcard")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ponte-virtualcard")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", binary, ".")...).CombinedOutput(); err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The demo's way: the binary with an image directory, taken out and put back through its standard
// input, judged by OpenSC.
func TestBinaryInsertRemove(t *testing.T) {
	e := pcscdtest.Start(t)
	if e == nil {
		return
	}
	openscTool := testenv.Tool(t, "opensc-tool")
	pkcs15Tool := testenv.Tool(t, "pkcs15-tool")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "auth.der"), pcscdtest.Cert(t, "VRDLGU70M01F205Z", false), 0o644); err != nil {
		t.Fatal(err)
	}
	desc := imageFile{Family: "AC", CardID: "8038000123456789", AuthCert: "auth.der",
		Holder: cns.Holder{Surname: "VERDI", Name: "LUIGI", CodiceFiscale: "VRDLGU70M01F205Z", BirthDate: "01081970", Sex: "M"}}
	b, _ := json.Marshal(desc)
	if err := os.WriteFile(filepath.Join(dir, "card.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "--image", dir, "--vpcd", e.VPCDAddr(1))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = io.WriteString(stdin, "quit\n")
		done := make(chan error)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ponte-virtualcard: %v\n%s", err, log.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("ponte-virtualcard did not quit")
		}
	})
	// Reader 1 is the second vpcd slot.
	name := func() string {
		out, _ := exec.Command(openscTool, "--reader", "1", "--name").CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	waitFor := func(what string, ok func(string) bool) {
		t.Helper()
		var got string
		for i := 0; i < 100; i++ {
			if got = name(); ok(got) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("waiting for %s: opensc-tool says %q\nponte-virtualcard: %s\npcscd:\n%s", what, got, log.String(), e.PCSCDLog())
	}
	isCNS := func(s string) bool { return s == "CNS card" }
	waitFor("the card", isCNS)
	out, err := exec.Command(pkcs15Tool, "--reader", "1", "--dump").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "LUIGI VERDI") || !strings.Contains(string(out), "8038000123456789") ||
		!strings.Contains(string(out), "IC: ATMEL; mask: Athena") {
		t.Fatalf("pkcs15-tool --dump: %v\n%s", err, out)
	}
	_, _ = io.WriteString(stdin, "remove\n")
	waitFor("the removal", func(s string) bool { return !isCNS(s) })
	_, _ = io.WriteString(stdin, "insert\n")
	waitFor("the card back", isCNS)
}

func TestBadImage(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"unknown field": `{"family":"ST","cardId":"1","holder":{},"authCert":"a.der","x":1}`,
		"no cert file":  `{"family":"ST","cardId":"1","holder":{},"authCert":"missing.der"}`,
		"bad family":    `{"family":"NOPE","cardId":"1","holder":{}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "card.json"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(binary, "--image", dir, "--vpcd", "127.0.0.1:1").CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || len(out) == 0 {
			t.Errorf("%s: %v %s", name, err, out)
		}
	}
}
