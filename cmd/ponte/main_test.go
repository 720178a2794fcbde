package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The command line renews like the extension does: a real ponte-host child, the SoftHSM TS-CNS, ponte-ca;
// the PIN comes from standard input (not a terminal here), never from arguments.
func TestRenewFromTheCommandLine(t *testing.T) {
	bed, run := bedCLI(t, testbed.Options{NoPCSC: true})
	out, _, err := run("", "cards")
	if err != nil || !strings.Contains(out, bed.Card.Serial) || !strings.Contains(out, "cns") {
		t.Fatalf("ponte cards: %v\n%s", err, out)
	}
	profile := filepath.Join(bed.ProfilesDir, "cns-rekey.json")
	// Terms refused (in English): nothing happens, the PIN line is never read.
	_, stderr, err := run("n\n"+testbed.PIN+"\n", "renew", "--card", bed.Card.Serial, "--role", "cns", "--profile", profile, "--lang", "en")
	if err == nil || !strings.Contains(stderr, "Do you accept the terms") || !strings.Contains(stderr, "terms not accepted") || strings.Contains(stderr, "Termini") {
		t.Fatalf("terms refused: %v\n%s", err, stderr)
	}
	if _, stderr, err := run("s\n00000000\n", "renew", "--card", bed.Card.Serial, "--role", "cns", "--profile", profile); err == nil || !strings.Contains(stderr, "PIN errato") ||
		!strings.Contains(stderr, "Accettate i termini") {
		t.Fatalf("wrong PIN: %v\n%s", err, stderr)
	}
	out, stderr, err = run("s\n"+testbed.PIN+"\n", "renew", "--card", bed.Card.Serial, "--role", "cns", "--profile", profile)
	if err != nil || !strings.Contains(out, "Certificato rinnovato e attivo") || !strings.Contains(out, "ROSSI MARIO") {
		t.Fatalf("ponte renew: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	if strings.Contains(out+stderr, testbed.PIN) {
		t.Fatal("the PIN was echoed")
	}
	// The acceptance reached the CA with the request and is kept there (its database) as evidence.
	acc, err := bed.CA.Store.Acceptances(context.Background(), "")
	if err != nil || len(acc) != 1 || acc[0].TermsVersion != ca.DemoTermsVersion || acc[0].PrivacyVersion != ca.DemoPrivacyVersion || acc[0].State != "confirmed" {
		t.Fatalf("acceptances at the CA: %+v %v", acc, err)
	}
	out, _, err = run("", "renewals")
	if err != nil || !strings.Contains(out, "done") {
		t.Fatalf("ponte renewals: %v\n%s", err, out)
	}
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// bedCLI starts a bed and returns it with a runner of the built `ponte` (standard input given, stdout and
// stderr returned) that talks to a built ponte-host in the bed's environment.
func bedCLI(t *testing.T, o testbed.Options) (*testbed.Bed, func(stdin string, args ...string) (string, string, error)) {
	t.Helper()
	testenv.Tool(t, "softhsm2-util")
	host := testenv.Build(t, "host", "ponte-host")
	ponte := testenv.Build(t, "cmd/ponte", "ponte")
	t.Setenv("SOFTHSM2_CONF", "")
	o.Dir = t.TempDir()
	bed, err := testbed.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bed.Close)
	env := append(os.Environ(), bed.Env...)
	env = append(env, "PONTE_HOST="+host, "SOFTHSM2_CONF="+envValue(bed.Env, "SOFTHSM2_CONF"))
	return bed, func(stdin string, args ...string) (string, string, error) {
		cmd := exec.Command(ponte, args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
}
