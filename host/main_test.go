package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/nativemsg"
	"github.com/ponte-it/ponte/internal/protocol"
)

func TestBrowserCaller(t *testing.T) {
	cases := []struct {
		args   []string
		caller string
		ok     bool
	}{
		{[]string{"chrome-extension://abc/"}, "chrome-extension://abc/", true},
		{[]string{"chrome-extension://abc/", "--parent-window=42"}, "chrome-extension://abc/", true},
		{[]string{"/usr/lib/mozilla/native-messaging-hosts/it.ponte.host.json", "ponte@ponte.it"}, "ponte@ponte.it", true},
		{[]string{"version"}, "", false},
		{[]string{"serve", "--listen"}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := browserCaller(c.args)
		if got != c.caller || ok != c.ok {
			t.Errorf("%q: got %q %v", c.args, got, ok)
		}
	}
}

func TestRefusesUnknownCaller(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var out bytes.Buffer
	if code := run([]string{"chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/"}, strings.NewReader(""), &out, io.Discard); code != 3 || out.Len() != 0 {
		t.Fatalf("exit %d, wrote %q", code, out.String())
	}
}

// The whole native path as Chrome drives it: framed hello and version on stdin, framed answers on stdout.
func TestNativeSession(t *testing.T) {
	var in bytes.Buffer
	for _, r := range []string{
		`{"id":"1","command":"hello","params":{"protocol":1,"client":"test"}}`,
		`{"id":"2","command":"version"}`,
	} {
		nativemsg.Write(&in, []byte(r), 1<<20)
	}
	var out bytes.Buffer
	if code := run([]string{ids.ChromeOrigin()}, &in, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	r := nativemsg.NewReader(&out, protocol.MaxOutbound)
	got := map[string]protocol.Message{}
	for i := 0; i < 2; i++ {
		b, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		var m protocol.Message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		got[m.ID] = m
	}
	if got["1"].Error != nil || got["2"].Error != nil || !strings.Contains(string(got["2"].Result), `"version"`) {
		t.Fatalf("answers %+v", got)
	}
}

// Every command of the protocol table is implemented by this host (hello is the session's own).
func TestEveryCommandHasAHandler(t *testing.T) {
	h := newHost(cards.New())
	for _, c := range protocol.Commands() {
		if c.Name == protocol.CmdHello {
			continue
		}
		if _, ok := h.Handlers[c.Name]; !ok {
			t.Errorf("no handler for %s", c.Name)
		}
	}
}
