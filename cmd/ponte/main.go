// Command ponte is Ponte on the command line, for offices that renew many cards and for scripts. It runs
// ponte-host as its child (`ponte-host stdio`) and uses the same packages as the extension.
//
//	ponte cards [--json]                                    readers, cards, certificates
//	ponte renew --card ID --role cns|signature --profile P  renew a certificate (PIN from the terminal)
//	ponte renew --resume RENEWAL --profile P                resume or download a pending renewal
//	ponte renewals                                          the renewal journal
//	ponte renewals abandon RENEWAL --profile P              cancel an open renewal (also renew --abandon)
//	ponte sign --in FILE --out FILE                         sign a PDF (PAdES) or any file (.p7m, .p7s)
//	ponte timestamp --tsa URL --in FILE --out F.tsr|.tsd|.m7m  time-stamp a file
//	ponte verify FILE                                       verify a signed or time-stamped file
//
// PINs, PUKs and passwords are read from the terminal without echo, or one per line from standard input
// when it is not a terminal — never from arguments or the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/words"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `uso / usage:
  ponte cards [--json]
  ponte renew --card ID --role cns|signature --profile PROFILE.json [--account ID]
  ponte renew --resume RENEWAL --profile PROFILE.json
  ponte renewals
  ponte renewals abandon RENEWAL --profile PROFILE.json [--account ID]
  ponte sign --in FILE --out FILE [--format pades|cades|p7s] [--visible PAGE,X,Y,W,H]
             [--tsa URL [--tsa-user USER] [--tsa-password-file FILE]] [--cert ID] [--card ID]
             [--chain INTERMEDIATES.pem] [--accept-warnings]
  ponte timestamp --tsa URL [--tsa-user USER] [--tsa-password-file FILE] --in FILE
             --out FILE.tsr|FILE.tsd|FILE.m7m [--anchors TSA-ROOT.pem]
  ponte verify FILE [--detached ORIGINAL] [--content OUT] [--revision N OUT] [--anchors CA.pem]
             [--profile PROFILE.json] [--lang it|en] [--offline] [--tsl-url URL|off] [--tsl-signer PEM]
             (FILE: .pdf, .p7m, .p7s + --detached, .tsr + --detached, .tsd, .m7m)
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch args[0] {
	case "cards":
		err = cardsCmd(ctx, args[1:], stdout)
	case "renew":
		err = renewCmd(ctx, args[1:], stdin, stdout, stderr)
	case "renewals":
		err = renewalsCmd(ctx, args[1:], stdin, stdout, stderr)
	case "timestamp":
		err = timestampCmd(ctx, args[1:], stdin, stdout, stderr)
	case "sign", "verify":
		err = signVerify(ctx, args, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ponte: comando sconosciuto / unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "ponte:", userError(err))
		var ec exitError
		if errors.As(err, &ec) {
			return ec.code
		}
		return 1
	}
	return 0
}

// exitError is an error with its own exit status (ponte verify: 1 not valid, 2 cannot be verified).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// The catalogue the command line speaks from: the extension's _locales, as the pages do.
var catIT, catEN = extension.Catalog("it"), extension.Catalog("en")

// say is ms in Italian and English, Italian first.
func say(ms []words.Message) string { return catIT.Say(ms...) + " / " + catEN.Say(ms...) }

// userError says what went wrong in Italian and English, with the technical detail last.
func userError(err error) string {
	var perr *protocol.Error
	var f *renew.Failure
	switch {
	case errors.As(err, &perr):
		return say(perr.Words()) + " (" + perr.Message + ")"
	case errors.As(err, &f):
		return f.Text(catIT) + " / " + f.Text(catEN)
	}
	return err.Error()
}
