//go:build !js

package hostcard

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The `ponte` command line's path: a real ponte-host child over framed stdio.
func TestSpawnRealHost(t *testing.T) {
	host := filepath.Join(t.TempDir(), "ponte-host")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", host, filepath.Join(testenv.Root(), "host"))...).CombinedOutput(); err != nil {
		t.Fatalf("building ponte-host: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Spawn(ctx, host, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var v protocol.VersionResult
	if err := s.Call(ctx, protocol.CmdVersion, nil, &v); err != nil || v.Version == "" {
		t.Fatalf("version over stdio: %+v %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("host exit: %v", err)
	}
	if err := s.Call(ctx, protocol.CmdVersion, nil, &v); err == nil {
		t.Fatal("call after close succeeded")
	}
}
