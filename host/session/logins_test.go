package session

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
)

// fakeToken behaves as a PKCS#11 token does for one process: one login state for all sessions, and a
// login while logged in succeeds whatever the PIN (CKR_USER_ALREADY_LOGGED_IN, as host/p11 treats it).
type fakeToken struct {
	mu       sync.Mutex
	loggedIn bool
	logouts  int
}

func (f *fakeToken) host() *Host {
	h := &Host{Version: "test", Events: NewHub(), Handlers: map[string]Handler{
		protocol.CmdLogin: func(_ context.Context, req protocol.Request) (any, *protocol.Error) {
			var p struct{ PIN string }
			_ = jsonParams(req, &p)
			f.mu.Lock()
			defer f.mu.Unlock()
			if !f.loggedIn && p.PIN != "12345678" {
				return nil, protocol.Errorf(protocol.ErrPINIncorrect, "wrong PIN")
			}
			f.loggedIn = true
			return protocol.Empty{}, nil
		},
		protocol.CmdSign: func(context.Context, protocol.Request) (any, *protocol.Error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if !f.loggedIn {
				return nil, protocol.Errorf(protocol.ErrNotLoggedIn, "not logged in")
			}
			return protocol.SignResult{Signature: []byte{1}}, nil
		},
		protocol.CmdLogout: func(context.Context, protocol.Request) (any, *protocol.Error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.loggedIn = false
			f.logouts++
			return protocol.Empty{}, nil
		},
	}}
	h.Logins = NewLogins(LogoutFunc(h.Handlers[protocol.CmdLogout]))
	return h
}

func (f *fakeToken) state() (bool, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loggedIn, f.logouts
}

// reply is the next answer of p, past any event the hub pushed.
func reply(p *pipeHost) protocol.Message {
	for range 10 {
		if m := p.recv(); m.Event == "" {
			return m
		}
	}
	p.t.Fatal("only events")
	return protocol.Message{}
}

func sayHello(p *pipeHost) {
	p.send(`{"id":"h","command":"hello","params":{"protocol":1}}`)
	if m := p.recv(); m.Error != nil {
		p.t.Fatalf("hello: %v", m.Error)
	}
}

// Issue 15: a second session (another WebSocket page) cannot sign on the first one's login, nor "log in"
// on it with any PIN; the login ends when its session ends, and when idle.
func TestLoginsBoundToSession(t *testing.T) {
	f := &fakeToken{}
	h := f.host()
	a, b := startHost(t, h), startHost(t, h)
	sayHello(a)
	sayHello(b)
	a.send(`{"id":"1","command":"login","params":{"card":"C1","pin":"12345678"}}`)
	if m := reply(a); m.Error != nil {
		t.Fatalf("login: %v", m.Error)
	}
	b.send(`{"id":"2","command":"sign","params":{"card":"C1"}}`)
	if m := reply(b); m.Error == nil || m.Error.Code != protocol.ErrNotLoggedIn {
		t.Fatalf("the second session signed on the first one's login: %+v", m)
	}
	b.send(`{"id":"3","command":"login","params":{"card":"C1","pin":"00000000"}}`)
	if m := reply(b); m.Error == nil || m.Error.Code != protocol.ErrCardBusy {
		t.Fatalf("a wrong PIN logged the second session in: %+v", m)
	}
	a.send(`{"id":"4","command":"sign","params":{"card":"C1"}}`)
	if m := reply(a); m.Error != nil {
		t.Fatalf("the owner cannot sign: %v", m.Error)
	}
	// The first session ends without a logout: the card is logged out for it.
	a.in.Close()
	<-a.done
	if in, n := f.state(); in || n != 1 {
		t.Fatalf("after the session ended: logged in %v, %d logouts", in, n)
	}
	b.send(`{"id":"5","command":"sign","params":{"card":"C1"}}`)
	if m := reply(b); m.Error == nil || m.Error.Code != protocol.ErrNotLoggedIn {
		t.Fatalf("signed with no PIN after the first session closed: %+v", m)
	}
	// A card taken out ends the login (the event names only the reader).
	b.send(`{"id":"7","command":"login","params":{"card":"C1","pin":"12345678"}}`)
	if m := reply(b); m.Error != nil {
		t.Fatal(m.Error)
	}
	h.Logins.WatchRemovals(h.Events)
	if err := h.Events.Publish(protocol.EvCardRemoved, protocol.CardEvent{Reader: "R"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if in, _ := f.state(); !in {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if in, _ := f.state(); in {
		t.Fatal("a card-removed event left the login")
	}
	// Idle: a login nobody uses ends by itself.
	h.Logins.Idle = 50 * time.Millisecond
	b.send(`{"id":"6","command":"login","params":{"card":"C1","pin":"12345678"}}`)
	if m := reply(b); m.Error != nil || m.ID != "6" {
		t.Fatal(m.Error, m.ID)
	}
	for i := 0; i < 100; i++ {
		if in, _ := f.state(); !in {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the idle login was not logged out")
}

func jsonParams(req protocol.Request, v any) error { return json.Unmarshal(req.Params, v) }

// The auditor's attack (issue 15): session B's commands sent while session A's login is still running
// (a PIN-pad reader waits for the holder's PIN, a slow card answers late) passed the owner check — there
// was no owner yet — then waited for the card and ran once A was logged in: B signed, or "logged in"
// with a wrong PIN, on A's login. The check, the command and its outcome are one step per card.
func TestLoginsNoRaceWithALoginInFlight(t *testing.T) {
	for _, cmd := range []string{
		`{"id":"b","command":"sign","params":{"card":"C1"}}`,
		`{"id":"b","command":"login","params":{"card":"C1","pin":"00000000"}}`,
	} {
		f := &fakeToken{}
		h := f.host()
		entered, release, reached := make(chan struct{}), make(chan struct{}), make(chan struct{}, 2)
		login, sign := h.Handlers[protocol.CmdLogin], h.Handlers[protocol.CmdSign]
		first := true
		h.Handlers[protocol.CmdLogin] = func(ctx context.Context, req protocol.Request) (any, *protocol.Error) {
			if first { // A's login: the card is busy until the holder has typed the PIN on the reader
				first = false
				f.mu.Lock()
				close(entered)
				<-release
				f.loggedIn = true
				f.mu.Unlock()
				return protocol.Empty{}, nil
			}
			reached <- struct{}{}
			return login(ctx, req)
		}
		h.Handlers[protocol.CmdSign] = func(ctx context.Context, req protocol.Request) (any, *protocol.Error) {
			reached <- struct{}{}
			return sign(ctx, req)
		}
		a, b := startHost(t, h), startHost(t, h)
		sayHello(a)
		sayHello(b)
		a.send(`{"id":"a","command":"login","params":{"card":"C1","pin":"12345678"}}`)
		<-entered
		b.send(cmd)
		select { // B's command reaches the card's queue (bounded wait, not an assertion on time)
		case <-reached:
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if m := reply(a); m.Error != nil {
			t.Fatalf("A's login: %v", m.Error)
		}
		m := reply(b)
		if m.Error == nil || (m.Error.Code != protocol.ErrNotLoggedIn && m.Error.Code != protocol.ErrCardBusy) {
			t.Fatalf("%s: session B ran on A's login in flight: %+v", cmd, m)
		}
	}
}
