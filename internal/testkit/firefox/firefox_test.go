package firefox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := newUUID(), newUUID()
	if !re.MatchString(a) || a == b {
		t.Fatalf("UUIDs %s %s", a, b)
	}
}

// The pref that fixes the moz-extension:// UUID is a JSON object from add-on id to UUID, written into
// user.js as a string.
func TestPrefsFixTheUUID(t *testing.T) {
	p := prefs("ponte@ponte.it", "11111111-2222-4333-8444-555555555555")
	if got := p["extensions.webextensions.uuids"]; got != `{"ponte@ponte.it":"11111111-2222-4333-8444-555555555555"}` {
		t.Fatalf("uuids pref %v", got)
	}
	if _, ok := prefs("", "x")["extensions.webextensions.uuids"]; ok {
		t.Fatal("uuids pref without an add-on")
	}
}

func TestListeningLine(t *testing.T) {
	m := listening.FindStringSubmatch("WebDriver BiDi listening on ws://127.0.0.1:43487")
	if m == nil || m[1] != "ws://127.0.0.1:43487" {
		t.Fatalf("%v", m)
	}
}

// A program that exits without starting the Remote Agent gives an error at once, not a hang.
func TestStartFailsCleanly(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	fake := filepath.Join(t.TempDir(), "firefox")
	if err := os.WriteFile(fake, []byte("#!"+sh+"\necho 'no remote agent here' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var log strings.Builder
	b, err := Start(ctx, Options{Firefox: fake, Profile: filepath.Join(t.TempDir(), "p"), Log: &log})
	if err == nil {
		b.Stop()
		t.Fatal("started")
	}
	if !strings.Contains(err.Error(), "exited before WebDriver BiDi listened") || !strings.Contains(log.String(), "no remote agent here") {
		t.Fatalf("error %v, log %q", err, log.String())
	}
}
