package cards_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ponte-it/ponte/internal/protocol"
)

// wsSession is one page of the local web app: a WebSocket to `ponte-host serve`.
type wsSession struct {
	t *testing.T
	c *websocket.Conn
	n int
}

func (s *wsSession) call(command string, params any) *protocol.Error {
	s.t.Helper()
	s.n++
	raw, _ := json.Marshal(params)
	id := command + "-" + string(rune('0'+s.n))
	b, _ := json.Marshal(protocol.Request{ID: id, Command: command, Params: raw})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.c.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatal(err)
	}
	for range 100 { // events may come first
		_, data, err := s.c.Read(ctx)
		if err != nil {
			s.t.Fatalf("%s: %v", command, err)
		}
		var m protocol.Message
		if err := json.Unmarshal(data, &m); err != nil {
			s.t.Fatal(err)
		}
		if m.Event == "" && m.ID == id {
			return m.Error
		}
	}
	s.t.Fatalf("%s: no answer", command)
	return nil
}

// Issue 15's acceptance for the local web app: two WebSocket sessions of one real `ponte-host serve` on
// a SoftHSM2 TS-CNS. The second cannot sign on the first's PIN login, nor log in over it with a wrong
// PIN; when the first closes without logging out, the card itself is logged out (the second's signature
// is refused by the token, not by the binding: its private key is hidden again).
func TestServeLoginsBelongToTheirSession(t *testing.T) {
	bin, sc, _ := buildHostAndCard(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		if strings.Contains(stderr.String(), "make build") {
			t.Skip("ponte-host serve needs the UI built into it (make build)")
		}
		t.Fatalf("serve: %v %s", err, stderr.String())
	}
	m := regexp.MustCompile(`(http://[^ ]+)/app\.html#secret=([0-9a-f]+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve printed %q", line)
	}
	base, _ := url.Parse(m[1])
	open := func() *wsSession {
		c, _, err := websocket.Dial(ctx, "ws://"+base.Host+"/ws?secret="+m[2], &websocket.DialOptions{HTTPHeader: map[string][]string{"Origin": {m[1]}}})
		if err != nil {
			t.Fatal(err)
		}
		s := &wsSession{t: t, c: c}
		if perr := s.call(protocol.CmdHello, protocol.Hello{Protocol: protocol.Version}); perr != nil {
			t.Fatal(perr)
		}
		return s
	}
	sign := protocol.Sign{Card: sc.Serial, Key: sc.AuthID, Mechanism: "rsa-pkcs1", Hash: "sha256", Digest: make([]byte, 32)}
	a, b := open(), open()
	if perr := a.call(protocol.CmdLogin, protocol.Login{Card: sc.Serial, PIN: protocol.Secret("12345678")}); perr != nil {
		t.Fatalf("login: %v", perr)
	}
	if perr := a.call(protocol.CmdSign, sign); perr != nil {
		t.Fatalf("the session that logged in cannot sign: %v", perr)
	}
	if perr := b.call(protocol.CmdSign, sign); perr == nil || perr.Code != protocol.ErrNotLoggedIn {
		t.Fatalf("the second session signed on the first one's login: %v", perr)
	}
	if perr := b.call(protocol.CmdLogin, protocol.Login{Card: sc.Serial, PIN: protocol.Secret("00000000")}); perr == nil || perr.Code != protocol.ErrCardBusy {
		t.Fatalf("a wrong PIN over the first one's login: %v", perr)
	}
	a.c.Close(websocket.StatusNormalClosure, "page closed") // no logout
	var perr *protocol.Error
	for range 50 {
		perr = b.call(protocol.CmdSign, sign)
		if perr != nil && !strings.Contains(perr.Message, "another page") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Logged out, SoftHSM hides the private key (NO_SUCH_OBJECT, "log in first"); other tokens say
	// CKR_USER_NOT_LOGGED_IN (NOT_LOGGED_IN).
	if perr == nil || (perr.Code != protocol.ErrNotLoggedIn && perr.Code != protocol.ErrNoSuchObject) || strings.Contains(perr.Message, "another page") {
		t.Fatalf("after the first session closed, the card still signs or the binding answered: %v", perr)
	}
	t.Logf("the token after the first session closed: %v", perr)
	// The second session logs in with its own PIN and signs.
	if perr := b.call(protocol.CmdLogin, protocol.Login{Card: sc.Serial, PIN: protocol.Secret("12345678")}); perr != nil {
		t.Fatal(perr)
	}
	if perr := b.call(protocol.CmdSign, sign); perr != nil {
		t.Fatal(perr)
	}
}
