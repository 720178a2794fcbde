// Package session runs one client connection of ponte-host, whatever the transport: it enforces the hello
// handshake, dispatches requests to handlers, answers every request exactly once and forwards host events.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Conn is one transport connection: framed native messaging or a WebSocket.
type Conn interface {
	// Read returns the next inbound message. An error ends the session; errors.Is(err, ErrTooLarge)
	// gets a TOO_LARGE answer first.
	Read() ([]byte, error)
	Write(b []byte) error
}

// ErrTooLarge is what a Conn returns for an inbound message over protocol.MaxInbound.
var ErrTooLarge = errors.New("session: inbound message too large")

// Handler executes one command. It returns the result value or a protocol error.
type Handler func(ctx context.Context, req protocol.Request) (any, *protocol.Error)

// Host is what every session shares: the handlers and the event source.
type Host struct {
	Version  string
	Handlers map[string]Handler
	Events   *Hub
	Logins   *Logins // nil: no binding (tests of the transport alone)

	sessions atomic.Uint64
}

// maxInFlight bounds concurrent requests of one session; card operations are serialized per card anyway.
const maxInFlight = 8

// Serve runs the session until the client goes away or ctx ends. transport is "native" or "websocket".
func (h *Host) Serve(ctx context.Context, c Conn, transport string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sid := h.sessions.Add(1)
	var wmu sync.Mutex
	send := func(m protocol.Message) {
		b, err := json.Marshal(m)
		if err == nil && len(b) > protocol.MaxOutbound {
			b, err = json.Marshal(protocol.Reply(m.ID, nil, protocol.Errorf(protocol.ErrTooLarge, "answer of %d bytes over the 1 MB limit", len(b))))
		}
		if err != nil {
			return
		}
		wmu.Lock()
		defer wmu.Unlock()
		if c.Write(b) != nil {
			cancel()
		}
	}

	var (
		helloDone bool
		inflight  = make(chan struct{}, maxInFlight)
		wg        sync.WaitGroup
		unsub     func()
	)
	defer func() {
		if unsub != nil {
			unsub()
		}
		wg.Wait()
		h.Logins.end(sid) // the session's PIN logins end with it
	}()

	for {
		b, err := c.Read()
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				send(protocol.Reply("", nil, protocol.Errorf(protocol.ErrTooLarge, "request over %d bytes", protocol.MaxInbound)))
			}
			if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		req, perr := protocol.DecodeRequest(b)
		if perr != nil {
			send(protocol.Reply(req.ID, nil, perr))
			continue
		}
		if !helloDone {
			if req.Command != protocol.CmdHello {
				send(protocol.Reply(req.ID, nil, protocol.Errorf(protocol.ErrNotReady, "send hello first")))
				continue
			}
			res, perr := h.hello(req, transport)
			if perr != nil {
				send(protocol.Reply(req.ID, nil, perr))
				continue
			}
			// Subscribe before answering, so no event is missed between the answer and the subscription;
			// the client ignores events until hello has been answered.
			helloDone = true
			if h.Events != nil {
				unsub = h.Events.Subscribe(send)
			}
			send(protocol.Reply(req.ID, res, nil))
			continue
		}
		handler, ok := h.Handlers[req.Command]
		if !ok {
			send(protocol.Reply(req.ID, nil, protocol.Errorf(protocol.ErrUnsupported, "%s is not available in this host", req.Command)))
			continue
		}
		select {
		case inflight <- struct{}{}:
		default:
			send(protocol.Reply(req.ID, nil, protocol.Errorf(protocol.ErrCardBusy, "too many requests in flight")))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-inflight }()
			res, perr := h.Logins.Run(sid, req, func() (any, *protocol.Error) { return call(ctx, handler, req) })
			send(protocol.Reply(req.ID, res, perr))
		}()
	}
}

// call runs a handler, turning a panic into INTERNAL so one bad command never takes the host down.
func call(ctx context.Context, handler Handler, req protocol.Request) (res any, perr *protocol.Error) {
	defer func() {
		if r := recover(); r != nil {
			res, perr = nil, protocol.Errorf(protocol.ErrInternal, "%s failed: %v", req.Command, r)
		}
	}()
	return handler(ctx, req)
}

func (h *Host) hello(req protocol.Request, transport string) (any, *protocol.Error) {
	var p protocol.Hello
	if perr := protocol.Params(req, &p); perr != nil {
		return nil, perr
	}
	if p.Protocol != protocol.Version {
		return nil, protocol.Errorf(protocol.ErrVersionMismatch, "client speaks protocol %d, host %d", p.Protocol, protocol.Version)
	}
	return protocol.HelloResult{
		Protocol:  protocol.Version,
		Version:   h.Version,
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		Transport: transport,
	}, nil
}
