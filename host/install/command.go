package install

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Command runs `ponte-host install [--system]` (op "install") or `ponte-host uninstall [--system]` (op
// "uninstall"): it parses args (the words after the subcommand), does the work, prints the report to stdout
// and problems to stderr, and returns the process exit code (0 done, 1 failed, 2 bad usage).
// cfg.HostPath empty means the running executable.
func Command(op string, args []string, cfg Config, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("ponte-host "+op, flag.ContinueOnError)
	fl.SetOutput(stderr)
	system := fl.Bool("system", false, "per tutti gli utenti (serve root / amministratore) / for every user (needs root / administrator)")
	root := fl.String("root", "", "scrive sotto questa cartella (pacchetti) / write below this folder (packaging)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "uso / usage: ponte-host %s [--system]\n", op)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fl.Usage()
		return 2
	}
	if cfg.HostPath == "" {
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.EvalSymlinks(exe)
		}
		if err != nil {
			fmt.Fprintln(stderr, "ponte-host:", err)
			return 1
		}
		cfg.HostPath = exe
	}
	if !*system && os.Geteuid() == 0 && os.Getenv("SUDO_USER") != "" {
		fmt.Fprintf(stderr, "Attenzione: con sudo ma senza --system, Ponte è registrato solo per root. Per te: ponte-host %s (senza sudo); per tutti: sudo ponte-host %s --system.\n"+
			"Warning: with sudo but without --system, Ponte is registered for root only. For you: ponte-host %s (no sudo); for everyone: sudo ponte-host %s --system.\n", op, op, op, op)
	}
	if *root != "" {
		cfg.PKCS11 = nil // a package's staging tree: the card modules of the build machine are not the user's
	}
	opt := Options{System: *system, Root: *root}
	var rep *Report
	var err error
	switch op {
	case "install":
		rep, err = Install(cfg, opt)
	case "uninstall":
		rep, err = Uninstall(opt)
	default:
		fmt.Fprintf(stderr, "ponte-host: comando sconosciuto %q / unknown command %q\n", op, op)
		return 2
	}
	if rep != nil {
		fmt.Fprint(stdout, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ponte-host:", err)
		if errors.Is(err, fs.ErrPermission) {
			if *system {
				fmt.Fprintf(stderr, "Per tutti gli utenti serve l'amministratore: sudo ponte-host %s --system (Windows: da un terminale \"Esegui come amministratore\").\n"+
					"For every user you need an administrator: sudo ponte-host %s --system (Windows: from a terminal opened with \"Run as administrator\").\n", op, op)
			} else {
				fmt.Fprintln(stderr, "Controlla i permessi della cartella indicata. / Check the permissions of the folder above.")
			}
		}
		return 1
	}
	return 0
}
