//go:build !js

package hostcard

// Kill ends the host at once (SIGKILL), as a crash would, without closing the session first: for tests
// of interrupted operations. Close still reaps it.
func (s *Spawned) Kill() error { return s.cmd.Process.Kill() }
