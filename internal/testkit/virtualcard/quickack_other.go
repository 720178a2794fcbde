//go:build !linux

package virtualcard

import "net"

// quickAck is Linux's TCP_QUICKACK (quickack_linux.go); elsewhere vpcd's delayed ACKs stay.
func quickAck(net.Conn) {}
