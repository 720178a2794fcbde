package serve

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/internal/protocol"
)

func start(t *testing.T) *Server { return startOn(t, "127.0.0.1:0") }

func startOn(t *testing.T, addr string) *Server {
	t.Helper()
	ui := fstest.MapFS{"app.html": {Data: []byte("<html>app</html>")}}
	s, err := Listen(&session.Host{Version: "v-test", Events: session.NewHub()}, ui, addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return s
}

func (s *Server) wsURL(secret string) string {
	return "ws://" + s.hosts[0] + "/ws?secret=" + secret
}

// Issue 15: on another loopback address the printed URL is that address, its Host and Origin are
// accepted, and 127.0.0.1 / localhost (which do not reach it) are not.
func TestListenOtherLoopback(t *testing.T) {
	s := startOn(t, "127.0.0.2:0")
	own := "127.0.0.2:" + s.port
	if !strings.HasPrefix(s.URL(), "http://"+own+"/app.html#secret=") {
		t.Fatalf("URL %s, want it on %s", s.URL(), own)
	}
	for host, want := range map[string]int{own: 200, "127.0.0.1:" + s.port: http.StatusMisdirectedRequest, "localhost:" + s.port: http.StatusMisdirectedRequest} {
		req, _ := http.NewRequest("GET", "http://"+own+"/app.html", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	c, _, err := dial(t, s.wsURL(s.secret), http.Header{"Origin": {"http://" + own}})
	if err != nil {
		t.Fatalf("WebSocket from the printed address: %v", err)
	}
	c.CloseNow()
	if _, _, err := dial(t, s.wsURL(s.secret), http.Header{"Origin": {"http://127.0.0.1:" + s.port}}); err == nil {
		t.Fatal("an Origin that is not the listening address was accepted")
	}
}

func dial(t *testing.T, url string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr})
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.org:0"} {
		if _, err := Listen(&session.Host{}, fstest.MapFS{}, addr); err == nil {
			t.Errorf("listening on %s was allowed", addr)
		}
	}
}

func TestWebSocketRoundTrip(t *testing.T) {
	s := start(t)
	c, _, err := dial(t, s.wsURL(s.secret), http.Header{"Origin": {"http://127.0.0.1:" + s.port}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"id":"1","command":"hello","params":{"protocol":1,"client":"t"}}`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m protocol.Message
	var hr protocol.HelloResult
	if json.Unmarshal(b, &m) != nil || m.Error != nil || json.Unmarshal(m.Result, &hr) != nil || hr.Transport != "websocket" || hr.Version != "v-test" {
		t.Fatalf("hello over websocket: %s", b)
	}
	// An oversized message closes the connection with "message too big".
	if err := c.Write(ctx, websocket.MessageText, []byte(strings.Repeat(" ", protocol.MaxInbound+1))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	s := start(t)
	own := "http://127.0.0.1:" + s.port
	cases := []struct {
		name   string
		url    string
		header http.Header
	}{
		{"no secret", s.wsURL(""), http.Header{"Origin": {own}}},
		{"wrong secret", s.wsURL(strings.Repeat("0", 64)), http.Header{"Origin": {own}}},
		{"foreign origin", s.wsURL(s.secret), http.Header{"Origin": {"https://evil.example"}}},
		{"no origin", s.wsURL(s.secret), nil},
		{"other port origin", s.wsURL(s.secret), http.Header{"Origin": {"http://127.0.0.1:1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, resp, err := dial(t, c.url, c.header)
			if err == nil {
				conn.CloseNow()
				t.Fatal("connection accepted")
			}
			if resp == nil || (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusMisdirectedRequest) {
				t.Fatalf("refused with %v / %v", resp, err)
			}
		})
	}
}

func TestStaticUIAndHostCheck(t *testing.T) {
	s := start(t)
	get := func(host string) *http.Response {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+s.port+"/app.html", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("127.0.0.1:" + s.port); r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Security-Policy"), "'wasm-unsafe-eval'") {
		t.Fatalf("app page: %d, CSP %q", r.StatusCode, r.Header.Get("Content-Security-Policy"))
	}
	if r := get("attacker.example"); r.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("foreign Host got %d", r.StatusCode)
	}
	// A DNS-rebinding page reaches us under its own host name: the WebSocket upgrade is refused too.
	req, _ := http.NewRequest("GET", s.wsURL(s.secret), nil)
	req.URL.Scheme = "http"
	req.Host = "rebound.example:" + s.port
	req.Header = http.Header{"Origin": {"http://rebound.example:" + s.port}, "Connection": {"Upgrade"}, "Upgrade": {"websocket"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("rebound WebSocket upgrade got %d", resp.StatusCode)
	}
	if !strings.Contains(s.URL(), "#secret="+s.secret) {
		t.Fatalf("URL %s does not carry the secret in the fragment", s.URL())
	}
}

// The auditor's attack (issue 15): a page whose connection dies without a WebSocket close (TCP RST: a
// killed browser, a dropped network) must not leave its PIN login behind for the next session.
func TestLoginEndsOnTCPReset(t *testing.T) {
	logouts := make(chan string, 4)
	h := &session.Host{Version: "v-test", Events: session.NewHub(), Handlers: map[string]session.Handler{
		protocol.CmdLogin: func(context.Context, protocol.Request) (any, *protocol.Error) { return protocol.Empty{}, nil },
		protocol.CmdLogout: func(_ context.Context, req protocol.Request) (any, *protocol.Error) {
			logouts <- string(req.Params)
			return protocol.Empty{}, nil
		},
	}}
	h.Logins = session.NewLogins(session.LogoutFunc(h.Handlers[protocol.CmdLogout]))
	s, err := Listen(h, fstest.MapFS{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx)
	var tcp *net.TCPConn
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			tcp = c.(*net.TCPConn)
		}
		return c, err
	}}}
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, s.wsURL(s.secret), &websocket.DialOptions{HTTPClient: client, HTTPHeader: http.Header{"Origin": {"http://" + s.hosts[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"id":"h","command":"hello","params":{"protocol":1}}`, `{"id":"1","command":"login","params":{"card":"C1","pin":"12345678"}}`} {
		if err := c.Write(dctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(dctx)
		if err != nil || strings.Contains(string(b), `"error"`) {
			t.Fatalf("%s: %s %v", m, b, err)
		}
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tcp.SetLinger(0)) // Close now sends RST, no close frame, no FIN
	must(tcp.Close())
	select {
	case p := <-logouts:
		if !strings.Contains(p, "C1") {
			t.Fatalf("logout of %s", p)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the login outlived a reset connection")
	}
}
