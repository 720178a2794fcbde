package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/ponte-it/ponte/internal/tsp"
)

// tsaFlags are the time-stamp service's address and credentials (HTTP Basic, RFC 7617, for paid TSAs),
// shared by `ponte sign` and `ponte timestamp`. Configured once: PONTE_TSA, PONTE_TSA_USER and
// PONTE_TSA_PASSWORD_FILE give the defaults. The password is never an argument nor an environment value:
// it is read from a file only its owner can read, or asked like a PIN; it is never printed or logged.
type tsaFlags struct {
	url, user, passwordFile *string
}

func addTSAFlags(fs *flag.FlagSet) tsaFlags {
	return tsaFlags{
		url:  fs.String("tsa", os.Getenv("PONTE_TSA"), "URL del servizio di marca temporale (RFC 3161) / time-stamp service URL"),
		user: fs.String("tsa-user", os.Getenv("PONTE_TSA_USER"), "utente del servizio di marca temporale a pagamento / user of a paid time-stamp service"),
		passwordFile: fs.String("tsa-password-file", os.Getenv("PONTE_TSA_PASSWORD_FILE"),
			"file (leggibile solo dal proprietario) con la password del servizio; senza, è chiesta / file (owner-only) with the service's password; otherwise it is asked"),
	}
}

// client is the TSA client the flags describe, nil when no URL is given. A password not in a file is
// asked through sec (the terminal without echo, or a line of standard input, before any PIN).
func (f tsaFlags) client(sec *secrets) (*tsp.Client, error) {
	if *f.url == "" {
		if *f.user != "" {
			return nil, errors.New("--tsa-user senza --tsa / --tsa-user without --tsa")
		}
		return nil, nil
	}
	u, err := url.Parse(*f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--tsa: indirizzo non valido / invalid address %q", redacted(*f.url))
	}
	if u.User != nil {
		return nil, errors.New("--tsa: non mettere utente e password nell'indirizzo, usare --tsa-user e --tsa-password-file / " +
			"do not put the user and password in the address, use --tsa-user and --tsa-password-file")
	}
	c := &tsp.Client{URL: *f.url, User: *f.user}
	switch {
	case *f.user == "" && *f.passwordFile != "":
		return nil, errors.New("--tsa-password-file senza --tsa-user / --tsa-password-file without --tsa-user")
	case *f.user == "":
	case *f.passwordFile != "":
		if c.Password, err = readPasswordFile(*f.passwordFile); err != nil {
			return nil, err
		}
	default:
		pw, err := sec.read("Password del servizio di marca temporale / time-stamp service password")
		if err != nil {
			return nil, err
		}
		c.Password = pw
	}
	return c, nil
}

// readPasswordFile reads the first line of path, refused when others than its owner may read it (as ssh
// refuses a private key): a password file readable by the group is a password shared with it.
func readPasswordFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--tsa-password-file: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--tsa-password-file: %s è leggibile da altri utenti (permessi %v): usare chmod 600 / "+
			"%s is readable by other users (mode %v): use chmod 600", path, st.Mode().Perm(), path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tsa-password-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return nil, errors.New("--tsa-password-file: il file è vuoto / the file is empty")
	}
	return []byte(line), nil
}

// redacted hides any password in a URL given by mistake.
func redacted(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "…"
}
