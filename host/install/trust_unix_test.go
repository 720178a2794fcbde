//go:build unix

package install

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree builds base/bin/ponte-host (root, 0755) under a 0755 base and applies change to it.
func tree(t *testing.T, change func(base, bin, exe string)) (base, exe string) {
	t.Helper()
	base = t.TempDir()
	bin := filepath.Join(base, "bin")
	exe = filepath.Join(bin, "ponte-host")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base, bin, exe} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if change != nil {
		change(base, bin, exe)
	}
	return base, exe
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Issue 15: every part of the path, from the file up, must be root's and writable by nobody else; the
// error names the part and why, in Italian and English.
func TestCheckTrusted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the tree must be root's, and chown makes the other owner")
	}
	for name, c := range map[string]struct {
		change   func(base, bin, exe string)
		part     func(base, bin, exe string) string
		why, msg string
	}{
		"good":                 {},
		"world-writable file":  {func(_, _, exe string) { must(t, os.Chmod(exe, 0o777)) }, func(_, _, exe string) string { return exe }, whyWritable, "modificato da altri utenti"},
		"group-writable file":  {func(_, _, exe string) { must(t, os.Chmod(exe, 0o775)) }, func(_, _, exe string) string { return exe }, whyWritable, "modificato"},
		"world-writable dir":   {func(_, bin, _ string) { must(t, os.Chmod(bin, 0o777)) }, func(_, bin, _ string) string { return bin }, whyWritable, "modificato"},
		"sticky /tmp-like dir": {func(base, _, _ string) { must(t, os.Chmod(base, 0o1777)) }, func(base, _, _ string) string { return base }, whyWritable, "modificato"},
		"file of another user": {func(_, _, exe string) { must(t, os.Chown(exe, 1000, 1000)) }, func(_, _, exe string) string { return exe }, whyOwner, "non appartiene a root"},
		"dir of another user":  {func(_, bin, _ string) { must(t, os.Chown(bin, 1000, 0)) }, func(_, bin, _ string) string { return bin }, whyOwner, "non appartiene a root"},
	} {
		base, exe := tree(t, c.change)
		err := checkTrusted(exe, base)
		if c.why == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		var ue *UntrustedPathError
		if !errors.As(err, &ue) || ue.Why != c.why || ue.Part != c.part(base, filepath.Join(base, "bin"), exe) {
			t.Errorf("%s: %v, want %q on %s", name, err, c.why, c.part(base, filepath.Join(base, "bin"), exe))
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.msg) || !strings.Contains(msg, c.why) || !strings.Contains(msg, "sudo install -o root") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	// A root-owned symbolic link to a file in a world-writable folder: the folder is refused.
	base, exe := tree(t, nil)
	open := filepath.Join(base, "open")
	must(t, os.Mkdir(open, 0o777))
	must(t, os.Chmod(open, 0o777))
	target := filepath.Join(open, "ponte-host")
	must(t, os.WriteFile(target, []byte("x"), 0o755))
	must(t, os.Remove(exe))
	must(t, os.Symlink(target, exe))
	var ue *UntrustedPathError
	if err := checkTrusted(exe, base); !errors.As(err, &ue) || ue.Part != open || ue.Why != whyWritable {
		t.Errorf("symlink into a world-writable folder: %v", err)
	}
	// The real system: a program in /usr/bin passes to "/"; anything under /tmp does not.
	if err := checkTrusted("/bin/sh", "/"); err != nil {
		t.Errorf("/bin/sh: %v", err)
	}
}

// Install --system on this machine's files refuses a world-writable path before writing anything, and
// a PKCS#11 module path likewise.
func TestInstallSystemRefusesUntrusted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	_, exe := tree(t, func(_, bin, _ string) { must(t, os.Chmod(bin, 0o777)) })
	env := Env{GOOS: "linux", Home: t.TempDir()}
	cfg := Config{HostPath: exe, ChromeExtensionID: "abcdefghijklmnopabcdefghijklmnop", FirefoxAddonID: "ponte@ponte.it"}
	rep, err := Install(cfg, Options{System: true, Env: &env})
	var ue *UntrustedPathError
	if !errors.As(err, &ue) || ue.Why != whyWritable {
		t.Fatalf("install --system of a world-writable path: %v", err)
	}
	if rep != nil && len(rep.Items) != 0 {
		t.Fatalf("wrote before refusing: %+v", rep.Items)
	}
	cfg.HostPath = "/bin/sh"
	cfg.PKCS11 = []PKCS11Module{{Name: PKCS11Prefix + "test", Path: exe}}
	if _, err := Install(cfg, Options{System: true, Env: &env}); !errors.As(err, &ue) {
		t.Fatalf("install --system with a PKCS#11 module in a world-writable folder: %v", err)
	}
}

// The auditor's attempts (issue 15), all refused: a root-owned link in a system folder pointing into a
// user's folder (a module path in /usr/lib linked into /home), a link a user owns on the way, and a path
// whose ".." passes through a user's link (the kernel resolves the link first, a lexical Clean would not).
func TestCheckTrustedLinksThroughUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: chown makes the other owner")
	}
	base, _ := tree(t, nil)
	home := filepath.Join(base, "home")
	must(t, os.Mkdir(home, 0o755))
	must(t, os.Chown(home, 1000, 1000))
	mod := filepath.Join(home, "libmod.so")
	must(t, os.WriteFile(mod, []byte("x"), 0o755)) // root's file, in the user's folder: the user can swap it
	link := filepath.Join(base, "bin", "libmod.so")
	must(t, os.Symlink(mod, link))
	var ue *UntrustedPathError
	if err := checkTrusted(link, base); !errors.As(err, &ue) || ue.Part != home || ue.Why != whyOwner {
		t.Errorf("root's link into a user's folder: %v", err)
	}
	userLink := filepath.Join(home, "bin")
	must(t, os.Symlink(filepath.Join(base, "bin"), userLink))
	must(t, os.Lchown(userLink, 1000, 1000))
	if err := checkTrusted(filepath.Join(userLink, "ponte-host"), base); !errors.As(err, &ue) || ue.Why != whyOwner {
		t.Errorf("a user's link on the path: %v", err)
	}
	// base/home/bin/../bin/ponte-host is base/bin/ponte-host for the kernel (it follows the user's link
	// home/bin before ".."), but the user can point the link elsewhere at any time: refused.
	dotdot := userLink + "/../bin/ponte-host"
	if err := checkTrusted(dotdot, base); !errors.As(err, &ue) || ue.Why != whyOwner {
		t.Errorf("a path whose .. passes through a user's link: %v", err)
	}
}
