// Package serve is `ponte-host serve`: the same protocol over a WebSocket and the same UI as a local web app,
// for browsers where the extension cannot be installed. It listens on loopback only and refuses a request
// whose Host is not its own address (DNS rebinding), a WebSocket whose Origin is not its own page, and a
// WebSocket without this launch's secret.
package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Server serves the UI and the WebSocket endpoint /ws.
type Server struct {
	host   *session.Host
	ui     fs.FS
	secret string
	ln     net.Listener
	port   string
	hosts  []string // the Host values that name this server: its own address, and localhost on 127.0.0.1 / ::1
}

// Listen opens the loopback listener. addr is "127.0.0.1:PORT", or "" for a random port. Any address that
// is not loopback is refused.
func Listen(host *session.Host, ui fs.FS, addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("serve: bad address %q: %w", addr, err)
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("serve: %q is not a loopback address; Ponte only listens on this computer", h)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		ln.Close()
		return nil, err
	}
	ip, port, _ := net.SplitHostPort(ln.Addr().String())
	hosts := []string{net.JoinHostPort(ip, port)}
	// localhost resolves to 127.0.0.1 and ::1 only (RFC 6761, §6.3), so it names this server only there.
	if ip == "127.0.0.1" || ip == "::1" {
		hosts = append(hosts, net.JoinHostPort("localhost", port))
	}
	return &Server{host: host, ui: ui, secret: hex.EncodeToString(secret), ln: ln, port: port, hosts: hosts}, nil
}

// URL is the address to open, on the address the server listens on: the app page with the secret in
// the fragment (never sent over HTTP).
func (s *Server) URL() string {
	return fmt.Sprintf("http://%s/app.html#secret=%s", s.hosts[0], s.secret)
}

// ownHost reports whether a Host header (or an Origin's host) names this server.
func (s *Server) ownHost(h string) bool {
	return slices.Contains(s.hosts, h)
}

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve runs until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler is the HTTP handler (exported for tests).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.websocket)
	files := http.FileServerFS(s.ui)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/app.html", http.StatusFound)
			return
		}
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		files.ServeHTTP(w, r)
	})
	return s.checkHost(mux)
}

// contentSecurityPolicy matches the extension's: own scripts and WebAssembly only; network to the local
// host and to CAs (which may be anywhere over HTTPS, or on loopback for the embedded CA).
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; " +
	"connect-src 'self' ws://127.0.0.1:* ws://localhost:* http://127.0.0.1:* http://localhost:* https:; frame-ancestors 'none'"

func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.ownHost(r.Host) {
			http.Error(w, "wrong Host: Ponte answers only on its own loopback address", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if !strings.HasPrefix(origin, "http://") || !s.ownHost(strings.TrimPrefix(origin, "http://")) {
		http.Error(w, "origin refused", http.StatusForbidden)
		return
	}
	got := r.URL.Query().Get("secret")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.secret)) != 1 {
		http.Error(w, "missing or wrong secret: open the address ponte-host serve printed", http.StatusForbidden)
		return
	}
	// Origin was checked above against our own address, which the library's same-host check cannot express
	// for the localhost/127.0.0.1 pair.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	c.SetReadLimit(protocol.MaxInbound)
	conn := &wsConn{c: c, ctx: r.Context()}
	err = s.host.Serve(r.Context(), conn, "websocket")
	if err != nil {
		c.Close(websocket.StatusInternalError, "session ended")
		return
	}
	c.Close(websocket.StatusNormalClosure, "")
}

type wsConn struct {
	c   *websocket.Conn
	ctx context.Context
}

func (w *wsConn) Read() ([]byte, error) {
	typ, b, err := w.c.Read(w.ctx)
	if err != nil {
		if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
			return nil, errors.Join(session.ErrTooLarge, err)
		}
		if websocket.CloseStatus(err) != -1 {
			return nil, errors.Join(err, errEOF)
		}
		return nil, err
	}
	if typ != websocket.MessageText {
		return []byte("binary message"), nil // answered as BAD_REQUEST by the decoder
	}
	return b, nil
}

func (w *wsConn) Write(b []byte) error {
	ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, b)
}

// errEOF marks a WebSocket closed by the client, which ends the session cleanly.
var errEOF = fmt.Errorf("websocket closed: %w", io.EOF)
