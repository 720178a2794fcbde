package p11_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
)

func TestDiagnoseDrivers(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	l := p11.NewLocator()
	l.ConfigFile = ""
	l.Getenv = func(string) string { return "" }
	probe := func(path string) p11.ProbeResult { return e.m.Probe(path) }

	reps := p11.DiagnoseDrivers(l, []string{"softhsm", "bit4id-xpki"}, probe)
	if len(reps) != 2 {
		t.Fatalf("%d reports", len(reps))
	}
	soft, bit4 := reps[0], reps[1]
	if !soft.Installed || !soft.Loads || soft.Library.Manufacturer != "SoftHSM" || soft.HintIT != "" {
		t.Errorf("softhsm: %+v", soft)
	}
	if _, err := os.Stat("/usr/lib/bit4id/libbit4xpki.so"); err == nil {
		t.Skip("bit4id middleware installed here: the missing-driver case cannot be shown")
	}
	if bit4.Installed || bit4.Loads || !strings.Contains(bit4.HintIT, "bit4id") || !strings.Contains(bit4.HintEN, "bit4id") {
		t.Errorf("bit4id-xpki: %+v", bit4)
	}

	// An override replaces the table and is reported as such; a missing one gets its hint.
	l.Getenv = func(k string) string {
		if k == p11.EnvModule {
			return e.lib + ":/nonexistent/libx.so"
		}
		return ""
	}
	reps = p11.DiagnoseDrivers(l, nil, probe)
	if len(reps) != 2 || !reps[0].Loads || reps[0].Source != "env" || reps[0].Tokens < 1 ||
		reps[1].Installed || !strings.Contains(reps[1].HintIT, p11.EnvModule) {
		t.Fatalf("overrides: %+v", reps)
	}
}

func TestOpenFor(t *testing.T) {
	e := newSoftEnv(t, testHolders[0])
	l := p11.NewLocator()
	l.ConfigFile = ""
	l.Getenv = func(k string) string {
		if k == p11.EnvModule {
			return e.lib + ":/nonexistent/libx.so"
		}
		return ""
	}
	mods, err := e.m.OpenFor(l, "bit4id-xpki")
	if len(mods) != 1 || mods[0].Path != e.lib || !errors.Is(err, p11.ErrModuleMissing) {
		t.Fatalf("OpenFor with one good and one missing override: %v %v", mods, err)
	}
	l.Getenv = func(string) string { return "" }
	l.Exists = func(string) bool { return false }
	if _, err := e.m.OpenFor(l, "bit4id-xpki"); !errors.Is(err, p11.ErrModuleMissing) {
		t.Fatalf("nothing installed: %v", err)
	}
}
