package main

import (
	"errors"
	"flag"
	"path/filepath"

	"github.com/ponte-it/ponte/internal/ca/hsm"
)

// p11Flags are init's choices for a CA key in a PKCS#11 token (docs/ca-operator.md).
type p11Flags struct {
	module, token, pinFile, label *string
}

func pkcs11Flags(fs *flag.FlagSet) p11Flags {
	return p11Flags{
		module:  fs.String("pkcs11-module", "", "libreria PKCS#11 dell'HSM / the HSM's PKCS#11 library"),
		token:   fs.String("pkcs11-token", "", "etichetta del token / token label"),
		pinFile: fs.String("pkcs11-pin-file", "", "file con il PIN utente del token (mai copiato) / file with the token's user PIN (never copied)"),
		label:   fs.String("label", hsm.DefaultLabel, "etichetta della chiave della CA sul token / label of the CA key on the token"),
	}
}

// config is nil when no PKCS#11 flag was given (the key goes to DIR/ca-key.pem); otherwise the
// configuration, which ca.Init checks for missing flags. --label alone is a mistake, not a PEM key.
func (f p11Flags) config() (*hsm.Config, error) {
	if *f.module == "" && *f.token == "" && *f.pinFile == "" {
		if *f.label != hsm.DefaultLabel {
			return nil, errors.New("--label vale solo con --pkcs11-module, --pkcs11-token e --pkcs11-pin-file / --label goes only with --pkcs11-module, --pkcs11-token and --pkcs11-pin-file")
		}
		return nil, nil
	}
	pinFile := *f.pinFile
	if abs, err := filepath.Abs(pinFile); err == nil && pinFile != "" {
		pinFile = abs // config.json records it for serve, which may start elsewhere
	}
	return &hsm.Config{Module: *f.module, Token: *f.token, Label: *f.label, PINFile: pinFile}, nil
}
