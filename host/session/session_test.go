package session

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/nativemsg"
	"github.com/ponte-it/ponte/internal/protocol"
)

// pipeHost runs a session over in-memory pipes framed exactly as Chrome frames them.
type pipeHost struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *nativemsg.Reader
	done chan error
}

func startHost(t *testing.T, h *Host) *pipeHost {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &pipeHost{t: t, in: inW, out: nativemsg.NewReader(outR, protocol.MaxOutbound), done: make(chan error, 1)}
	go func() {
		p.done <- h.Serve(context.Background(), NewNativeConn(inR, outW), "native")
		outW.Close()
	}()
	t.Cleanup(func() { inW.Close() })
	return p
}

func (p *pipeHost) send(raw string) {
	p.t.Helper()
	if err := nativemsg.Write(p.in, []byte(raw), 1<<30); err != nil {
		p.t.Fatal(err)
	}
}

func (p *pipeHost) recv() protocol.Message {
	p.t.Helper()
	ch := make(chan protocol.Message, 1)
	go func() {
		b, err := p.out.Read()
		var m protocol.Message
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			m.Error = &protocol.Error{Code: "READ", Message: err.Error()}
		}
		ch <- m
	}()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		p.t.Fatal("no answer from the host within 10s")
		return protocol.Message{}
	}
}

func (p *pipeHost) expectError(code protocol.Code) protocol.Message {
	p.t.Helper()
	m := p.recv()
	if m.Error == nil || m.Error.Code != code {
		p.t.Fatalf("got %+v (error %+v), want error %s", m, m.Error, code)
	}
	return m
}

const hello = `{"id":"h","command":"hello","params":{"protocol":1,"client":"test"}}`

func testHost() *Host {
	return &Host{
		Version: "v9.9.9-test",
		Events:  NewHub(),
		Handlers: map[string]Handler{
			protocol.CmdVersion: func(ctx context.Context, req protocol.Request) (any, *protocol.Error) {
				if perr := protocol.Params(req, &struct{}{}); perr != nil {
					return nil, perr
				}
				return protocol.VersionResult{Version: "v9.9.9-test"}, nil
			},
		},
	}
}

func TestHandshakeAndDispatch(t *testing.T) {
	p := startHost(t, testHost())
	p.send(`{"id":"1","command":"version"}`)
	if m := p.expectError(protocol.ErrNotReady); m.ID != "1" {
		t.Fatalf("answer id %q", m.ID)
	}
	p.send(`{"id":"h0","command":"hello","params":{"protocol":2,"client":"future"}}`)
	p.expectError(protocol.ErrVersionMismatch)
	p.send(hello)
	m := p.recv()
	var hr protocol.HelloResult
	if m.Error != nil || json.Unmarshal(m.Result, &hr) != nil || hr.Version != "v9.9.9-test" || hr.Transport != "native" || hr.Protocol != protocol.Version {
		t.Fatalf("hello answer %+v / %+v", m, hr)
	}
	p.send(`{"id":"2","command":"version"}`)
	m = p.recv()
	var vr protocol.VersionResult
	if m.ID != "2" || m.Error != nil || json.Unmarshal(m.Result, &vr) != nil || vr.Version != "v9.9.9-test" {
		t.Fatalf("version answer %+v", m)
	}
}

func TestBadInputIsAnsweredNotFatal(t *testing.T) {
	p := startHost(t, testHost())
	p.send(hello)
	p.recv()
	cases := []struct {
		raw  string
		code protocol.Code
	}{
		{`not json`, protocol.ErrBadRequest},
		{`{"id":"1","command":"version"} {"x":1}`, protocol.ErrBadRequest},
		{`{"id":"","command":"version"}`, protocol.ErrBadRequest},
		{`{"id":"` + strings.Repeat("x", 65) + `","command":"version"}`, protocol.ErrBadRequest},
		{`{"id":"1","command":"version","evil":true}`, protocol.ErrBadRequest},
		{`{"id":"1","command":"version","params":{"x":1}}`, protocol.ErrBadRequest},
		{`{"id":"1","command":"format-card"}`, protocol.ErrUnknownCommand},
		{`[]`, protocol.ErrBadRequest},
	}
	for _, c := range cases {
		p.send(c.raw)
		p.expectError(c.code)
	}
	// Still serving after all that.
	p.send(`{"id":"ok","command":"version"}`)
	if m := p.recv(); m.Error != nil || m.ID != "ok" {
		t.Fatalf("host stopped serving: %+v", m)
	}
}

func TestOversizedFrameIsRefusedAndSessionEnds(t *testing.T) {
	p := startHost(t, testHost())
	var hdr [4]byte
	binary.NativeEndian.PutUint32(hdr[:], protocol.MaxInbound+1)
	go p.in.Write(append(hdr[:], bytes.Repeat([]byte{' '}, 16)...))
	p.expectError(protocol.ErrTooLarge)
	select {
	case err := <-p.done:
		if err == nil {
			t.Fatal("session ended without reporting the oversized frame")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end after an oversized frame")
	}
}

func TestHandlerPanicBecomesInternalError(t *testing.T) {
	h := testHost()
	h.Handlers[protocol.CmdVersion] = func(context.Context, protocol.Request) (any, *protocol.Error) { panic("boom") }
	p := startHost(t, h)
	p.send(hello)
	p.recv()
	p.send(`{"id":"1","command":"version"}`)
	p.expectError(protocol.ErrInternal)
}

func TestEventsReachSessionsAfterHello(t *testing.T) {
	h := testHost()
	p := startHost(t, h)
	p.send(hello)
	p.recv()
	if err := h.Events.Publish(protocol.EvCardInserted, protocol.CardEvent{Reader: "R1", ATR: "3b"}); err != nil {
		t.Fatal(err)
	}
	m := p.recv()
	var ev protocol.CardEvent
	if m.Event != protocol.EvCardInserted || json.Unmarshal(m.Data, &ev) != nil || ev.Reader != "R1" {
		t.Fatalf("event %+v", m)
	}
	if err := h.Events.Publish("no-such-event", nil); err == nil {
		t.Fatal("unknown event published")
	}
}

func TestCleanExitOnEOF(t *testing.T) {
	p := startHost(t, testHost())
	p.in.Close()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("clean EOF gave %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end on EOF")
	}
}
