package virtualcard

import (
	"net"
	"syscall"
)

// quickAck acknowledges at once what vpcd sent. vpcd writes each message as two send calls (the 2-byte
// length, then the payload) on a socket with Nagle's algorithm on: the payload waits for the length's
// ACK, which Linux delays up to 40 ms (TCP_DELACK_MIN) on a quiet request/response stream — tens of
// milliseconds per APDU. TCP_QUICKACK (tcp(7)) is not permanent, so it is set again after every read.
func quickAck(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	if raw, err := tc.SyscallConn(); err == nil {
		_ = raw.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1) })
	}
}
