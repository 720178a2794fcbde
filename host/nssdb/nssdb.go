// Package nssdb registers the card's PKCS#11 module in the user's shared NSS database, which Chromium on
// Linux reads at sql:$HOME/.pki/nssdb: with the module there, the browser offers the card's CNS certificate
// for TLS client authentication on public-administration portals. It drives NSS's own tool, modutil
// (libnss3-tools), and registers a module only when the user asked for it.
package nssdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModuleName is the name the module is registered under (what modutil -list and the browser show).
const ModuleName = "Ponte CNS"

// Status is what the database holds.
type Status struct {
	Dir        string // the database folder
	Exists     bool   // cert9.db/pkcs11.txt present (Chromium creates it on first run)
	Registered bool   // a module named ModuleName is listed
	Library    string // its library path
}

// DefaultDir is Chromium's shared database on Linux, $HOME/.pki/nssdb.
func DefaultDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".pki", "nssdb"), nil
}

// Check reads the database (modutil -list) without changing it.
func Check(ctx context.Context, modutil, dir string) (Status, error) {
	st := Status{Dir: dir}
	if _, err := os.Stat(filepath.Join(dir, "pkcs11.txt")); err != nil {
		return st, nil
	}
	st.Exists = true
	out, err := run(ctx, modutil, "-dbdir", "sql:"+dir, "-list")
	if err != nil {
		return st, err
	}
	st.Registered, st.Library = findModule(out, ModuleName)
	return st, nil
}

// Register adds module under ModuleName, creating the database if Chromium has not yet, and replacing a
// registration of ModuleName that points to another library. It returns the new status and modutil's
// words.
func Register(ctx context.Context, modutil, dir, module string) (Status, string, error) {
	if !filepath.IsAbs(module) {
		return Status{Dir: dir}, "", fmt.Errorf("modulo PKCS#11 senza percorso assoluto / PKCS#11 module without an absolute path: %q", module)
	}
	if _, err := os.Stat(module); err != nil {
		return Status{Dir: dir}, "", fmt.Errorf("modulo PKCS#11 non trovato / PKCS#11 module not found: %v", err)
	}
	st, err := Check(ctx, modutil, dir)
	if err != nil {
		return st, "", err
	}
	var log strings.Builder
	step := func(args ...string) error {
		out, err := run(ctx, modutil, append([]string{"-dbdir", "sql:" + dir, "-force"}, args...)...)
		log.WriteString(out)
		return err
	}
	if !st.Exists {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return st, "", err
		}
		if err := step("-create"); err != nil {
			return st, log.String(), err
		}
	}
	if st.Registered && st.Library == module {
		return st, log.String(), nil
	}
	if st.Registered {
		if err := step("-delete", ModuleName); err != nil {
			return st, log.String(), err
		}
	}
	if err := step("-add", ModuleName, "-libfile", module); err != nil {
		return st, log.String(), err
	}
	st, err = Check(ctx, modutil, dir)
	if err == nil && !st.Registered {
		err = errors.New("modutil non ha registrato il modulo / modutil did not register the module")
	}
	return st, log.String(), err
}

func run(ctx context.Context, modutil string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, modutil, args...)
	cmd.Stdin = strings.NewReader("\n") // modutil may ask to press Enter; -force is passed where it can be
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("modutil %s: %v: %s", args[len(args)-1], err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// findModule reads `modutil -list`: modules are numbered lines ("  2. Ponte CNS") followed by indented
// attributes ("library name: /usr/lib/x.so").
func findModule(list, name string) (bool, string) {
	sc := bufio.NewScanner(strings.NewReader(list))
	in, found, lib := false, false, ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if n, rest, ok := strings.Cut(line, ". "); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			in = strings.TrimSpace(rest) == name
			found = found || in
			continue
		}
		if v, ok := strings.CutPrefix(line, "library name:"); ok && in {
			lib = strings.TrimSpace(v)
		}
	}
	return found, lib
}
