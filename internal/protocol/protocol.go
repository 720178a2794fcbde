// Package protocol is the one definition of every message between the Ponte UI (the WASM module, or the
// `ponte` command line) and ponte-host. Both transports carry the same JSON: native messaging (stdin/stdout
// with a 4-byte length prefix, see package nativemsg) and WebSocket (`ponte-host serve`).
//
// The conversation: the client sends Requests, each with its own ID; the host answers each with exactly one
// Message carrying that ID and either a Result or an Error; the host may also push Messages with Event set
// (card inserted, removed, ...) at any time. The first request must be "hello", which agrees the version.
// docs/protocol.md is generated from the tables in this package (go run ./internal/protocol/gen).
package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Version is the protocol version. The host refuses a hello with another major version.
const Version = 1

// MaxInbound is the largest request the host accepts, in bytes. Card data is small and documents never
// travel (only their digests), so 64 KiB leaves ample room for a certificate chain.
const MaxInbound = 64 << 10

// MaxOutbound is the largest message a native messaging host may send to Chrome (1 MB).
const MaxOutbound = 1 << 20

// Request is a command from the client to the host.
type Request struct {
	ID      string          `json:"id"`
	Command string          `json:"command"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// Message is what the host sends: the response to the request with ID (Result or Error), or, when Event
// is set, an event the host pushes on its own.
type Message struct {
	ID     string          `json:"id,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
	Event  string          `json:"event,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// DecodeRequest parses and checks one request strictly: one JSON object, known fields only, an ID of at
// most 64 characters and a known command. Params are checked by the command's own decoder (Params).
func DecodeRequest(b []byte) (Request, *Error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, Errorf(ErrBadRequest, "not a request: %v", err)
	}
	if dec.More() {
		return r, Errorf(ErrBadRequest, "trailing data after the request")
	}
	if r.ID == "" || len(r.ID) > 64 {
		return r, Errorf(ErrBadRequest, "request id must have 1 to 64 characters")
	}
	if _, ok := commandIndex[r.Command]; !ok {
		return r, Errorf(ErrUnknownCommand, "unknown command %q", r.Command)
	}
	return r, nil
}

// Params decodes a request's params into v strictly (unknown fields are refused). Empty params decode as {}.
func Params(r Request, v any) *Error {
	raw := r.Params
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(ErrBadRequest, "bad params for %s: %v", r.Command, err)
	}
	if dec.More() {
		return Errorf(ErrBadRequest, "bad params for %s: trailing data", r.Command)
	}
	return nil
}

// Reply builds the response to a request from a result value or an error.
func Reply(id string, result any, perr *Error) Message {
	if perr != nil {
		return Message{ID: id, Error: perr}
	}
	b, err := json.Marshal(result)
	if err != nil {
		return Message{ID: id, Error: Errorf(ErrInternal, "encoding result: %v", err)}
	}
	return Message{ID: id, Result: b}
}

// NewEvent builds an event message.
func NewEvent(name string, data any) (Message, error) {
	if _, ok := eventIndex[name]; !ok {
		return Message{}, fmt.Errorf("protocol: unknown event %q", name)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return Message{}, err
	}
	return Message{Event: name, Data: b}, nil
}
