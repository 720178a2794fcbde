// Command ponte-host is Ponte's native program: the browser starts it through native messaging (or the user
// runs `ponte-host serve` for the local web app) and it does every operation on the card.
//
//	ponte-host version            print the version
//	ponte-host serve [--listen A] the local web app and WebSocket transport on 127.0.0.1
//	ponte-host install [--system] register the host with every browser (uninstall removes it)
//
// When a browser starts it, the arguments are the caller: Chrome passes the extension origin
// (chrome-extension://ID/), Firefox the manifest path and the add-on id.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/host/config"
	"github.com/ponte-it/ponte/host/install"
	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/host/serve"
	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/host/webui"
	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/ids"
)

func main() {
	p11.RunProbeIfRequested() // a module probe in a child process: see p11.ProbeSubprocess
	log.SetFlags(0)
	log.SetPrefix("ponte-host: ")
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if caller, ok := browserCaller(args); ok {
		return native(caller, stdin, stdout)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version":
		fmt.Fprintln(stdout, buildinfo.Version)
		return 0
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "diagnose":
		return diagnoseCmd(args[1:], stdout, stderr)
	case "install", "uninstall":
		return install.Command(args[0], args[1:], install.Config{
			ChromeExtensionID: ids.ChromeExtensionID(), FirefoxAddonID: ids.FirefoxAddonID,
			PKCS11: pkcs11Modules(p11.NewLocator()), // card modules for Firefox's browser.pkcs11
		}, stdout, stderr)
	case "stdio":
		// The `ponte` command line runs the host as its child and speaks the same framed protocol. No
		// caller check: a local program can run ponte-host as the user anyway.
		return serveStdio("local", stdin, stdout)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ponte-host: comando sconosciuto / unknown command %q\n%s", args[0], usage)
	return 2
}

const usage = `uso / usage:
  ponte-host version             versione / version
  ponte-host serve [--listen A]  app locale su 127.0.0.1 / local web app on 127.0.0.1
  ponte-host diagnose [--json]   cosa vede Ponte e cosa fare / what Ponte sees and what to do
  ponte-host install [--system]  registra il programma nei browser / register with the browsers
  ponte-host uninstall [--system] rimuove la registrazione / remove the registration
  ponte-host stdio               protocollo su stdin/stdout (per il comando ponte) / protocol on stdin/stdout (for the ponte command)
`

// browserCaller recognises how browsers start a native host: Chrome passes the calling origin first (and
// on Windows --parent-window=N after it), Firefox passes the manifest path and then the add-on id.
func browserCaller(args []string) (string, bool) {
	if len(args) >= 1 && strings.HasPrefix(args[0], "chrome-extension://") {
		return args[0], true
	}
	if len(args) == 2 && strings.HasSuffix(args[0], ".json") && !strings.HasPrefix(args[1], "-") {
		return args[1], true
	}
	return "", false
}

func allowed(caller string) bool {
	if caller == ids.ChromeOrigin() || caller == ids.FirefoxAddonID {
		return true
	}
	cfg, err := config.Load()
	if err != nil {
		log.Print(err)
		return false
	}
	for _, o := range cfg.AllowedOrigins {
		if o == caller {
			return true
		}
	}
	return false
}

// native serves one browser connection over stdin/stdout.
func native(caller string, stdin io.Reader, stdout io.Writer) int {
	if !allowed(caller) {
		log.Printf("chiamante non autorizzato / caller not allowed: %q", caller)
		return 3
	}
	return serveStdio("native", stdin, stdout)
}

// serveStdio runs one framed session on stdin/stdout.
func serveStdio(transport string, stdin io.Reader, stdout io.Writer) int {
	// Nothing but frames may reach the client: anything printed by mistake goes to stderr (Chrome's log).
	os.Stdout = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	host := startHost(ctx)
	if err := host.Serve(ctx, session.NewNativeConn(stdin, stdout), transport); err != nil {
		log.Print(err)
		return 1
	}
	return 0
}

func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "indirizzo di ascolto (solo loopback) / listen address (loopback only)")
	if fs.Parse(args) != nil {
		return 2
	}
	if !webui.Built() {
		fmt.Fprintln(stderr, "ponte-host: interfaccia non inclusa in questa build (usare make build) / UI not built into this binary (use make build)")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	srv, err := serve.Listen(startHost(ctx), webui.FS(), *listen)
	if err != nil {
		fmt.Fprintln(stderr, "ponte-host:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Ponte: aprire / open %s\n", srv.URL())
	if err := srv.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "ponte-host:", err)
		return 1
	}
	return 0
}

// startHost builds the host and starts pushing reader and card events to its sessions until ctx ends.
// Without pcscd there are no events (and no PC/SC readers), but PKCS#11 tokens still work.
func startHost(ctx context.Context) *session.Host {
	svc := cards.New()
	h := newHost(svc)
	go svc.Follow(ctx, func(name string, data any) { _ = h.Events.Publish(name, data) }, log.Printf)
	return h
}
