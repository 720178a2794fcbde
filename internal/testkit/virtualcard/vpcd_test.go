package virtualcard

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// exchange sends vpcd messages to Serve over an in-memory connection and returns the replies.
func exchange(t testing.TB, img *Image, msgs ...[]byte) ([][]byte, error) {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- img.Serve(context.Background(), b, nil) }()
	var replies [][]byte
	for _, m := range msgs {
		if _, err := a.Write(binary.BigEndian.AppendUint16(nil, uint16(len(m)))); err != nil {
			break
		}
		if _, err := a.Write(m); err != nil {
			break
		}
		if len(m) == 1 && m[0] != vpcdGetATR {
			continue // power on/off/reset get no reply
		}
		var hdr [2]byte
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(a, hdr[:]); err != nil {
			break
		}
		r := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(a, r); err != nil {
			break
		}
		replies = append(replies, r)
	}
	a.Close()
	select {
	case err := <-done:
		return replies, err
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not end when vpcd closed")
		return nil, nil
	}
}

func TestServeVPCD(t *testing.T) {
	img := testImage(t)
	r, err := exchange(t, img, []byte{vpcdPowerOn}, []byte{vpcdGetATR},
		[]byte{0x00, 0xA4, 0x08, 0x0C, 0x04, 0x10, 0x00, 0x10, 0x03}, []byte{0x00, 0xB0, 0x00, 0x00, 0x10},
		[]byte{vpcdReset}, []byte{0x00, 0xB0, 0x00, 0x00, 0x10}) // after a reset nothing is selected
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 4 || string(r[0]) != string(img.ATR) || string(r[1]) != "\x90\x00" ||
		string(r[2]) != "0123456789012345\x90\x00" || string(r[3]) != "\x69\x86" {
		t.Fatalf("replies %X", r)
	}
	// An unknown control code ends the session with an error.
	if _, err := exchange(t, img, []byte{0x09}); err == nil {
		t.Fatal("unknown control code accepted")
	}
}

func FuzzServe(f *testing.F) {
	img := testImage(f)
	f.Add([]byte{0, 1, 1, 0, 1, 4, 0, 9, 0x00, 0xA4, 0x08, 0x0C, 0x04, 0x10, 0x00, 0x10, 0x03})
	f.Fuzz(func(t *testing.T, stream []byte) {
		a, b := net.Pipe()
		done := make(chan error, 1)
		go func() { done <- img.Serve(context.Background(), b, nil) }()
		go io.Copy(io.Discard, a)
		a.SetWriteDeadline(time.Now().Add(2 * time.Second))
		a.Write(stream)
		a.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Serve hung")
		}
	})
}
