package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// Client is the UI side of the protocol, independent of the transport: the transport calls Deliver for each
// message from the host and Close when the connection ends; Call sends a request and waits for its answer.
// The WASM module and the `ponte` command line both use it.
type Client struct {
	send    func([]byte) error
	onEvent func(Message)

	mu      sync.Mutex
	next    int
	pending map[string]chan Message
	closed  error
}

// ErrClosed wraps the reason a connection ended (host not installed, host exited, ...).
var ErrClosed = errors.New("connection to ponte-host closed")

// NewClient returns a client that writes requests with send and hands events to onEvent.
func NewClient(send func([]byte) error, onEvent func(Message)) *Client {
	return &Client{send: send, onEvent: onEvent, pending: map[string]chan Message{}}
}

// Deliver processes one message from the host.
func (c *Client) Deliver(b []byte) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return // a host that sends garbage is treated as silent; the call times out with ctx
	}
	if m.Event != "" {
		if c.onEvent != nil {
			c.onEvent(m)
		}
		return
	}
	c.mu.Lock()
	ch, ok := c.pending[m.ID]
	delete(c.pending, m.ID)
	c.mu.Unlock()
	if ok {
		ch <- m
	}
}

// Close fails every pending and future call with reason.
func (c *Client) Close(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed != nil {
		return
	}
	c.closed = fmt.Errorf("%w: %v", ErrClosed, reason)
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

// Call sends command with params and decodes the result into result (which may be nil). A protocol error
// is returned as *Error.
func (c *Client) Call(ctx context.Context, command string, params, result any) error {
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return err
		}
		raw = b
	}
	c.mu.Lock()
	if c.closed != nil {
		err := c.closed
		c.mu.Unlock()
		return err
	}
	c.next++
	id := strconv.Itoa(c.next)
	ch := make(chan Message, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	b, err := json.Marshal(Request{ID: id, Command: command, Params: raw})
	if err == nil {
		err = c.send(b)
	}
	if err != nil {
		c.forget(id)
		return err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.closed
		}
		if m.Error != nil {
			return m.Error
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("%s: unexpected answer: %w", command, err)
			}
		}
		return nil
	case <-ctx.Done():
		c.forget(id)
		return ctx.Err()
	}
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Hello performs the handshake.
func (c *Client) Hello(ctx context.Context, client string) (HelloResult, error) {
	var r HelloResult
	err := c.Call(ctx, CmdHello, Hello{Protocol: Version, Client: client}, &r)
	return r, err
}
