//go:build unix

package main

import "syscall"

// setUmask sets the process umask and returns the function that puts the old one back.
func setUmask(mask int) (restore func()) {
	old := syscall.Umask(mask)
	return func() { syscall.Umask(old) }
}
