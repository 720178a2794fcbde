package protocol

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// FuzzClientDeliver: whatever the host (or something pretending to be it) sends, the UI side's decoding
// (Client.Deliver, then the results the WASM module decodes: cards, PIN status, signature) never panics,
// an event never answers a call, and only the message with the call's id does (issue 15).
func FuzzClientDeliver(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","result":{"readers":[{"name":"R","card":{"id":"C","atr":"3b","family":{},"certificates":[{"id":"01","role":"cns"}]}}]}}`,
		`{"id":"1","error":{"code":"PIN_INCORRECT","message":"x","retriable":true}}`,
		`{"event":"card-inserted","data":{"reader":"R"}}`,
		`{"id":"1","event":"card-removed"}`,
		`{"id":"2","result":{}}`,
		`{"id":"1","result":{"signature":"AAEC","pin":{"countLow":true}}}`,
		`{"id":"1","result":[1,2,3]}`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sent := make(chan []byte, 1)
		var events []Message
		c := NewClient(func(b []byte) error { sent <- b; return nil }, func(m Message) { events = append(events, m) })
		type answer struct {
			err   error
			cards CardsResult
		}
		done := make(chan answer, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		go func() {
			var a answer
			a.err = c.Call(ctx, CmdCards, nil, &a.cards)
			done <- a
		}()
		<-sent // the call is pending with id "1"
		c.Deliver(b)
		var m Message
		parsed := json.Unmarshal(b, &m) == nil
		answers := parsed && m.Event == "" && m.ID == "1"
		if parsed && m.Event != "" && len(events) != 1 {
			t.Fatalf("event %q not handed on once", m.Event)
		}
		if !answers {
			cancel()
		}
		a := <-done
		if !answers && a.err != context.DeadlineExceeded && a.err != context.Canceled {
			t.Fatalf("a message that is not the answer ended the call: %v", a.err)
		}
		if answers && a.err == nil {
			// What the WASM does with a cards answer and a PIN or signature answer must not panic either.
			for _, r := range a.cards.Readers {
				if r.Card != nil {
					_ = len(r.Card.Certificates)
				}
			}
			var pin PINResult
			var sig SignResult
			_ = json.Unmarshal(m.Result, &pin)
			_ = json.Unmarshal(m.Result, &sig)
		}
	})
}
