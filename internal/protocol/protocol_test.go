package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/words"
)

// Every code the host sends is in the registry, under the host's area (its words: words' tests).
func TestEveryCodeIsRegistered(t *testing.T) {
	for _, c := range []Code{ErrBadRequest, ErrUnknownCommand, ErrTooLarge, ErrVersionMismatch, ErrNotReady, ErrOriginRefused,
		ErrInternal, ErrNoService, ErrNoReader, ErrNoCard, ErrCardRemoved, ErrCardBusy, ErrCardUnreadable, ErrModuleMissing,
		ErrModuleFailed, ErrPINIncorrect, ErrPINLocked, ErrPINInvalid, ErrPINCancelled, ErrPUKIncorrect, ErrPUKLocked,
		ErrNotLoggedIn, ErrNoSuchObject, ErrTokenFull, ErrUnsupported} {
		if d, ok := words.Lookup(c); !ok || d.Area != words.Host {
			t.Errorf("%s: not registered as a host code (%+v)", c, d)
		}
	}
	if e := Errorf(ErrCardRemoved, "reader %s", "r0"); !e.Retriable || Errorf(ErrPINLocked, "x").Retriable {
		t.Fatal("Errorf does not take the registry's retriable flag")
	}
}

func TestTablesHaveNoDuplicates(t *testing.T) {
	if len(commandIndex) != len(commandTable) || len(eventIndex) != len(eventTable) {
		t.Fatal("a command or event is listed twice")
	}
}

// A client talking to a fake host that answers in its own goroutine, out of order.
func TestClientCallsAndEvents(t *testing.T) {
	var c *Client
	events := make(chan Message, 10)
	c = NewClient(func(b []byte) error {
		var r Request
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		go func() {
			c.Deliver([]byte(`{"event":"card-inserted","data":{"reader":"R"}}`))
			switch r.Command {
			case CmdVersion:
				c.Deliver([]byte(`{"id":"` + r.ID + `","result":{"version":"v1"}}`))
			default:
				c.Deliver([]byte(`{"id":"` + r.ID + `","error":{"code":"NO_CARD","message":"x","retriable":true}}`))
			}
		}()
		return nil
	}, func(m Message) { events <- m })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var v VersionResult
	if err := c.Call(ctx, CmdVersion, nil, &v); err != nil || v.Version != "v1" {
		t.Fatalf("version: %+v %v", v, err)
	}
	var perr *Error
	if err := c.Call(ctx, CmdHello, Hello{}, nil); !errors.As(err, &perr) || perr.Code != ErrNoCard || !perr.Retriable {
		t.Fatalf("error answer: %v", err)
	}
	if m := <-events; m.Event != EvCardInserted {
		t.Fatalf("event %+v", m)
	}
	c.Close(errors.New("host exited"))
	if err := c.Call(ctx, CmdVersion, nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestClientCloseWakesPendingCalls(t *testing.T) {
	// Close once the call has sent its request, so it is pending (a fixed sleep let a loaded machine
	// close first: the call then met a closed client and the test never woke a pending one).
	sent := make(chan struct{})
	c := NewClient(func([]byte) error { close(sent); return nil }, nil)
	done := make(chan error, 1)
	go func() { done <- c.Call(context.Background(), CmdVersion, nil, nil) }()
	<-sent
	c.Close(errors.New("Specified native messaging host not found."))
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("pending call got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pending call not woken by Close")
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"id":"1","command":"hello","params":{"protocol":1,"client":"x"}}`))
	f.Add([]byte(`{"id":"1","command":"version"}`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, perr := DecodeRequest(b)
		if perr != nil {
			if perr.Code != ErrBadRequest && perr.Code != ErrUnknownCommand {
				t.Fatalf("unexpected code %s", perr.Code)
			}
			return
		}
		if r.ID == "" || len(r.ID) > 64 {
			t.Fatalf("accepted bad id %q", r.ID)
		}
		if _, ok := commandIndex[r.Command]; !ok {
			t.Fatalf("accepted unknown command %q", r.Command)
		}
		var h Hello
		_ = Params(r, &h)
	})
}

func TestSecretNeverPrints(t *testing.T) {
	var l Login
	if err := json.Unmarshal([]byte(`{"card":"c","pin":"12345"}`), &l); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(l), fmt.Sprintf("%v %+v %#v %s", l, l, l, l.PIN)} {
		if strings.Contains(s, "12345") {
			t.Fatalf("PIN printed: %s", s)
		}
	}
	if string(l.PIN) != "12345" {
		t.Fatal("PIN not decoded")
	}
	l.PIN.Wipe()
	if string(l.PIN) != "\x00\x00\x00\x00\x00" {
		t.Fatal("not wiped")
	}
	if err := json.Unmarshal([]byte(`{"card":"c","pin":12345}`), &l); err == nil {
		t.Fatal("numeric PIN accepted")
	}
}
