// Command ponte-softcard provisions a SoftHSM2 token as a TS-CNS for tests and `make demo`: the holder's
// authentication (CNS) and signature key pairs generated on the token, their certificates from a test CA
// (or from ponte-ca), and the certificate files the virtual PC/SC card serves.
//
//	ponte-softcard -dir DIR [-surname S -name N -cf CF -card-id ID] [-issuer test|ponte-ca -ca-bin B -ca-dir D]
//
// The PIN and PUK come from PONTE_SOFTCARD_PIN and PONTE_SOFTCARD_PUK (demo defaults 12345678 and
// 87654321: test values for a virtual card, never real ones). They are not printed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ponte-softcard:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		dir     = flag.String("dir", "", "directory for softhsm2.conf and the tokens (used when SOFTHSM2_CONF is not set)")
		module  = flag.String("module", "", "SoftHSM2 library (default: from the driver table)")
		out     = flag.String("out", "", "where to write cns0.der, cns1.der, ca.pem, card.json (default DIR/card)")
		surname = flag.String("surname", "Rossi", "holder's surname")
		name    = flag.String("name", "Mario", "holder's given name")
		cf      = flag.String("cf", "RSSMRA80A01H501U", "holder's codice fiscale")
		cardID  = flag.String("card-id", "8038000000000001", "card id (EF_IDCarta)")
		issuer  = flag.String("issuer", "test", "who certifies the keys: test (in-process test CA) or ponte-ca")
		caBin   = flag.String("ca-bin", "ponte-ca", "ponte-ca binary, for -issuer ponte-ca")
		caDir   = flag.String("ca-dir", "", "ponte-ca state directory, for -issuer ponte-ca")
	)
	flag.Parse()
	conf := os.Getenv("SOFTHSM2_CONF")
	if conf == "" {
		if *dir == "" {
			return fmt.Errorf("set -dir or SOFTHSM2_CONF")
		}
		var err error
		if conf, err = softcard.WriteSoftHSMConfig(*dir); err != nil {
			return err
		}
		os.Setenv("SOFTHSM2_CONF", conf) // read by SoftHSM in C_Initialize
	}
	if *out == "" {
		*out = filepath.Join(filepath.Dir(conf), "card")
	}
	if *module == "" {
		p, ok := p11.NewLocator().Installed("softhsm")
		if !ok {
			d, _ := p11.DriverByName("softhsm")
			return fmt.Errorf("SoftHSM2 not found. %s / %s", d.HintIT, d.HintEN)
		}
		*module = p
	}
	cfg := softcard.Config{
		Module: *module,
		Holder: softcard.Holder{Surname: *surname, GivenName: *name, CodiceFiscale: *cf, CardID: *cardID},
		PIN:    []byte(envOr("PONTE_SOFTCARD_PIN", "12345678")),
		PUK:    []byte(envOr("PONTE_SOFTCARD_PUK", "87654321")),
		OutDir: *out,
	}
	switch *issuer {
	case "test":
		ca, err := softcard.NewTestCA("Ponte test CNS CA")
		if err != nil {
			return err
		}
		cfg.Issuer = ca.Issue
		defer func() { _ = softcard.WriteCACert(*out, ca.Cert) }()
	case "ponte-ca":
		if *caDir == "" {
			return fmt.Errorf("-issuer ponte-ca needs -ca-dir")
		}
		cfg.Issuer = softcard.PonteCA{Bin: *caBin, Dir: *caDir}.Issue
	default:
		return fmt.Errorf("unknown -issuer %q (test or ponte-ca)", *issuer)
	}
	m := p11.NewManager()
	defer m.Close()
	card, err := softcard.Provision(m, cfg)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		*softcard.Card
		SoftHSM2Conf string `json:"softhsm2_conf"`
		Module       string `json:"module"`
		Out          string `json:"out"`
	}{card, conf, *module, *out}); err != nil {
		return err
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
