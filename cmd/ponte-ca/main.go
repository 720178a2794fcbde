// Command ponte-ca is Ponte's embedded default CA (package internal/ca): CMP, OCSP and CRL over HTTP on
// loopback or over https anywhere, with its state in a directory (docs/ca-operator.md).
//
//	ponte-ca init    --dir DIR [--listen ADDR] [--public-url URL] [--name CN]
//	                 [--pkcs11-module LIB --pkcs11-token LABEL --pkcs11-pin-file FILE [--label KEYLABEL]]
//	ponte-ca serve   --dir DIR [--listen 127.0.0.1:PORT] [--no-cors] [--pkcs11-pin-file FILE]
//	                 [--tls-cert PEM --tls-key PEM]
//	ponte-ca issue   --dir DIR --key KEY.pem --subject DN [--role cns|signature] [--days N] [--not-before T] [--profile P] --out CERT.pem
//	ponte-ca revoke  --dir DIR (--serial HEX | --cert CERT.pem) [--reason N]
//	ponte-ca account add  --dir DIR --id ID [--password PW] [--balance CENTS]
//	ponte-ca account show --dir DIR --id ID
//	ponte-ca account credit --dir DIR --id ID --amount CENTS
//	ponte-ca terms   --dir DIR [--serial HEX]
//	ponte-ca audit verify --dir DIR [--head SEQ:HASH]
//
// Every command takes --db URL, the state database (sqlite:PATH or postgres:///NAME?host=/socketdir);
// init records it in config.json, so the other commands find it without the flag.
package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/policy"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ponte-ca:", err)
		os.Exit(1)
	}
}

const usage = `uso / usage:
  ponte-ca init    --dir DIR [--listen ADDR] [--public-url URL] [--name CN]
                   [--pkcs11-module LIB --pkcs11-token LABEL --pkcs11-pin-file FILE [--label KEYLABEL]]
  ponte-ca serve   --dir DIR [--listen 127.0.0.1:PORT] [--no-cors] [--pkcs11-pin-file FILE]
                   [--tls-cert PEM --tls-key PEM] (plain HTTP on loopback only / HTTP senza TLS solo su loopback)
  ponte-ca issue   --dir DIR --key KEY.pem --subject DN [--role cns|signature] [--days N] [--not-before 2006-01-02[T15:04:05Z]] --out CERT.pem
  ponte-ca revoke  --dir DIR (--serial HEX | --cert CERT.pem) [--reason N]
  ponte-ca suspend --dir DIR (--serial HEX | --cert CERT.pem) --days N
  ponte-ca reactivate --dir DIR (--serial HEX | --cert CERT.pem)
  ponte-ca account add|show|credit --dir DIR --id ID [--password PW] [--balance CENTS] [--amount CENTS]
  ponte-ca client-profile --dir DIR --profile NAME [--mode rekey|extend] [--url BASE]
  ponte-ca terms   --dir DIR [--serial HEX]
  ponte-ca audit verify --dir DIR [--head SEQ:HASH]
  (tutti / all: [--db sqlite:PERCORSO|postgres:///NOME?host=/CARTELLA])`

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "init":
		return cmdInit(args[1:])
	case "serve":
		return cmdServe(args[1:])
	case "issue":
		return cmdIssue(args[1:])
	case "revoke":
		return cmdRevoke(args[1:])
	case "suspend", "reactivate":
		return cmdHold(args[0], args[1:])
	case "account":
		if len(args) < 2 {
			return errors.New(usage)
		}
		return cmdAccount(args[1], args[2:])
	case "client-profile":
		return cmdClientProfile(args[1:])
	case "terms":
		return cmdTerms(args[1:])
	case "audit":
		return cmdAudit(args[1:])
	case "-h", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("comando sconosciuto %q / unknown command %q\n%s", args[0], args[0], usage)
}

// dbURL is the --db flag of the command being run (internal/ca.DatabaseURL).
var dbURL = new(string)

func flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := fs.String("dir", "", "cartella della CA / CA directory")
	dbURL = fs.String("db", "", "database: sqlite:PERCORSO o postgres:///NOME?host=/CARTELLA (predefinito: config.json, poi sqlite:DIR/ca.db) / database (default: config.json, then sqlite:DIR/ca.db)")
	return fs, dir
}

// open opens the CA in dir on the --db database.
func open(dir string) (*ca.CA, error) { return ca.OpenDB(dir, *dbURL) }

func needDir(dir string) error {
	if dir == "" {
		return errors.New("--dir è obbligatorio / --dir is required")
	}
	return nil
}

func cmdInit(args []string) error {
	fs, dir := flags("init")
	listen := fs.String("listen", ca.DefaultListen, "indirizzo / address")
	public := fs.String("public-url", "", "URL pubblico nei certificati / public URL in certificates")
	name := fs.String("name", "", "nome della CA / CA name")
	p11 := pkcs11Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := needDir(*dir); err != nil {
		return err
	}
	p11Config, err := p11.config()
	if err != nil {
		return err
	}
	res, err := ca.Init(*dir, ca.InitOptions{Name: *name, Listen: *listen, PublicURL: *public, Database: *dbURL, PKCS11: p11Config})
	if err != nil {
		return err
	}
	defer res.CA.Close()
	a, _ := res.CA.Store.Account(context.Background(), res.AccountID)
	fmt.Printf("CA creata / CA created: %s/%s\n", *dir, ca.CertFile)
	fmt.Printf("account dimostrativo / demo account: id=%s password=%s credito/balance=%s\n", res.AccountID, res.AccountPassword, policy.Euro(a.Balance))
	fmt.Printf("segreto per ir (MAC) / ir shared secret: reference=%s secret=%s\n", res.IRReference, res.IRSecret)
	return nil
}

func cmdServe(args []string) error {
	fs, dir := flags("serve")
	listen := fs.String("listen", "", "indirizzo (predefinito: config.json) / address (default: config.json)")
	noCORS := fs.Bool("no-cors", false, "risposte senza intestazioni CORS, come una CA reale / answers without CORS headers, like a real CA")
	pinFile := fs.String("pkcs11-pin-file", "", "file del PIN del token, al posto di quello in config.json / token PIN file, instead of config.json's")
	tlsCert := fs.String("tls-cert", "", "certificato TLS PEM (catena) per servire https / TLS certificate PEM (chain) to serve https")
	tlsKey := fs.String("tls-key", "", "chiave privata TLS PEM / TLS private key PEM")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := needDir(*dir); err != nil {
		return err
	}
	c, err := ca.OpenWith(*dir, ca.OpenOptions{PINFile: *pinFile, DB: *dbURL})
	if err != nil {
		return err
	}
	defer c.Close()
	c.NoCORS = *noCORS
	c.Logf = log.New(os.Stderr, "ponte-ca: ", log.LstdFlags).Printf
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- c.ServeWith(ctx, ca.ServeOptions{Listen: *listen, TLSCert: *tlsCert, TLSKey: *tlsKey}, ready)
	}()
	select {
	case base := <-ready:
		fmt.Printf("ponte-ca in ascolto / listening: %s/.well-known/cmp\n", base)
		names := make([]string, 0, len(c.Profiles))
		for n := range c.Profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("  CMP %-10s %s/.well-known/cmp/p/%s\n", n, base, n)
		}
		fmt.Printf("  OCSP %s/ocsp  CRL %s/crl  TSA %s/tsa  CA %s/ca.pem\n", base, base, base, base)
	case err := <-errc:
		return err
	}
	return <-errc
}

// readPublicKey reads a PEM public key, private key, certificate or CSR and returns its public key.
func readPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("%s: nessuna chiave PEM / no PEM key", path)
		}
		switch b.Type {
		case "PUBLIC KEY":
			return x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			return x509.ParsePKCS1PublicKey(b.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			return k.(crypto.Signer).Public(), nil
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, err
			}
			return c.PublicKey, nil
		}
	}
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("data %q non valida (AAAA-MM-GG o RFC 3339) / invalid date %q (YYYY-MM-DD or RFC 3339)", s, s)
}

func cmdIssue(args []string) error {
	fs, dir := flags("issue")
	keyPath := fs.String("key", "", "chiave pubblica o privata PEM / PEM public or private key")
	subject := fs.String("subject", "", `soggetto "/CN=.../serialNumber=..." o RFC 4514 / subject`)
	role := fs.String("role", "cns", "cns o signature")
	days := fs.Int("days", 0, "giorni di validità (predefinito: dal profilo) / validity days (default: from the profile)")
	notBefore := fs.String("not-before", "", "inizio validità / start of validity (YYYY-MM-DD or RFC 3339)")
	prof := fs.String("profile", "", "profilo registrato nel certificato / profile recorded (default: config)")
	out := fs.String("out", "", "file del certificato PEM / output certificate PEM")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := needDir(*dir); err != nil {
		return err
	}
	if *keyPath == "" || *subject == "" || *out == "" {
		return errors.New("--key, --subject e --out sono obbligatori / --key, --subject and --out are required")
	}
	c, err := open(*dir)
	if err != nil {
		return err
	}
	defer c.Close()
	pub, err := readPublicKey(*keyPath)
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	subj, err := dn.Marshal(*subject)
	if err != nil {
		return err
	}
	if *prof == "" {
		*prof = c.Config.DefaultProfile
	}
	p := c.Profiles[*prof]
	if p == nil {
		return fmt.Errorf("profilo %q sconosciuto / unknown profile %q", *prof, *prof)
	}
	nb := time.Now().UTC().Truncate(time.Second)
	if *notBefore != "" {
		if nb, err = parseTime(*notBefore); err != nil {
			return err
		}
	}
	if *days == 0 {
		*days = p.ValidityDays
	}
	cert, err := c.Issue(context.Background(), &ca.Request{Subject: subj, SPKI: spki, Role: profile.Role(*role),
		NotBefore: nb, NotAfter: nb.AddDate(0, 0, *days), Profile: p.Name})
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		return err
	}
	fmt.Printf("emesso / issued: serial=%s subject=%q scade/expires=%s\n", ca.SerialHex(cert.SerialNumber), cert.Subject.String(), cert.NotAfter.Format(time.RFC3339))
	return nil
}

func cmdRevoke(args []string) error {
	fs, dir := flags("revoke")
	target := serialFlags(fs)
	reason := fs.Int("reason", 0, "motivo RFC 5280 §5.3.1 (0 unspecified, 1 keyCompromise, 4 superseded, 5 cessationOfOperation) / reason")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withSerial(*dir, target, "revocato / revoked", func(c *ca.CA, serial *big.Int) error {
		return c.Revoke(context.Background(), serial, *reason)
	})
}

// cmdHold: the operator's suspension with a window (ca.Suspend) and its lifting (ca.Reactivate).
func cmdHold(name string, args []string) error {
	fs, dir := flags(name)
	target := serialFlags(fs)
	days := 0
	if name == "suspend" {
		fs.IntVar(&days, "days", 0, "giorni entro cui si può riattivare, poi revoca definitiva / days within which it can be reactivated, then revoked for good")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if name == "suspend" {
		return withSerial(*dir, target, fmt.Sprintf("sospeso per %d giorni / suspended for %d days", days, days), func(c *ca.CA, serial *big.Int) error {
			return c.Suspend(context.Background(), serial, days)
		})
	}
	return withSerial(*dir, target, "riattivato / reactivated", func(c *ca.CA, serial *big.Int) error {
		return c.Reactivate(context.Background(), serial)
	})
}

// serialTarget is a command's certificate: --serial HEX or --cert CERT.pem.
type serialTarget struct{ serialHex, certPath *string }

func serialFlags(fs *flag.FlagSet) serialTarget {
	return serialTarget{fs.String("serial", "", "numero di serie esadecimale / hex serial"), fs.String("cert", "", "certificato PEM / PEM certificate")}
}

func (t serialTarget) serial() (*big.Int, error) {
	switch {
	case *t.certPath != "":
		data, err := os.ReadFile(*t.certPath)
		if err != nil {
			return nil, err
		}
		cert, err := ca.ParseCertificatePEM(data)
		if err != nil {
			return nil, err
		}
		return cert.SerialNumber, nil
	case *t.serialHex != "":
		serial, ok := new(big.Int).SetString(strings.TrimPrefix(strings.ReplaceAll(strings.ToLower(*t.serialHex), ":", ""), "0x"), 16)
		if !ok {
			return nil, fmt.Errorf("numero di serie %q non esadecimale / serial %q is not hex", *t.serialHex, *t.serialHex)
		}
		return serial, nil
	}
	return nil, errors.New("--serial o --cert è obbligatorio / --serial or --cert is required")
}

// withSerial opens the CA in dir, runs f on the target's serial and prints done with it.
func withSerial(dir string, t serialTarget, done string, f func(c *ca.CA, serial *big.Int) error) error {
	if err := needDir(dir); err != nil {
		return err
	}
	serial, err := t.serial()
	if err != nil {
		return err
	}
	c, err := open(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := f(c, serial); err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", done, ca.SerialHex(serial))
	return nil
}

func cmdAccount(sub string, args []string) error {
	fs, dir := flags("account " + sub)
	id := fs.String("id", "", "identificativo dell'account / account id")
	password := fs.String("password", "", "password (predefinita: generata) / password (default: generated)")
	balance := fs.Int64("balance", 0, "credito iniziale in centesimi / initial balance in cents")
	amount := fs.Int64("amount", 0, "centesimi da accreditare / cents to credit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := needDir(*dir); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id è obbligatorio / --id is required")
	}
	c, err := open(*dir)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	switch sub {
	case "add":
		pw := *password
		if pw == "" {
			if pw, err = ca.RandomPassword(); err != nil {
				return err
			}
		}
		if err := c.AddAccount(ctx, *id, pw, *balance); err != nil {
			return err
		}
		fmt.Printf("account creato / account created: id=%s password=%s credito/balance=%s\n", *id, pw, policy.Euro(*balance))
		return nil
	case "credit":
		if err := c.Store.Credit(ctx, *id, *amount); err != nil {
			return fmt.Errorf("account %q: %w", *id, err)
		}
		fallthrough
	case "show":
		a, err := c.Store.Account(ctx, *id)
		if err != nil {
			return fmt.Errorf("account %q: %w", *id, err)
		}
		charges, err := c.Store.Charges(ctx, *id)
		if err != nil {
			return err
		}
		fmt.Printf("account %s: credito/balance %s, addebiti/charges %d\n", a.ID, policy.Euro(a.Balance), len(charges))
		for _, ch := range charges {
			refund := ""
			if !ch.RefundedAt.IsZero() {
				refund = "  rimborsato/refunded " + ch.RefundedAt.Format(time.RFC3339) + " (certificato rifiutato/certificate rejected)"
			}
			fmt.Printf("  %s  %s  certificato/certificate %s  transazione/transaction %s%s\n", ch.At.Format(time.RFC3339), policy.Euro(ch.Amount), ch.CertSerial, ch.TransactionID, refund)
		}
		return nil
	}
	return fmt.Errorf("sottocomando account sconosciuto %q (add, show, credit) / unknown account subcommand", sub)
}

// cmdTerms lists the holders' acceptances of the terms and privacy notice the CA keeps as evidence
// (docs/ca-profiles.md): one line each, for every request or those about one certificate.
func cmdTerms(args []string) error {
	fs, dir := flags("terms")
	serial := fs.String("serial", "", "solo per questo certificato (esadecimale) / only for this certificate (hex)")
	c, err := openCA(fs, dir, args)
	if err != nil {
		return err
	}
	defer c.Close()
	list, err := c.Store.Acceptances(context.Background(), strings.ToLower(strings.TrimLeft(*serial, "0")))
	if err != nil {
		return err
	}
	fmt.Printf("accettazioni dei termini / acceptances of the terms: %d\n", len(list))
	for _, a := range list {
		fmt.Printf("  accettati/accepted %s  ricevuti/received %s  termini/terms %s  privacy %s  %s  rinnova/renews %s  certificato/certificate %s (%s)  transazione/transaction %s\n",
			a.AcceptedAt.Format(time.RFC3339), a.ReceivedAt.Format(time.RFC3339), a.TermsVersion, a.PrivacyVersion, a.Subject,
			dash(a.Parent), dash(a.CertSerial), a.State, a.TransactionID)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cmdClientProfile prints the Ponte client profile (docs/ca-profiles.md, part 2) for one server profile:
// what the extension's profiles/ folder or `ponte renew --profile` takes.
func cmdClientProfile(args []string) error {
	fs, dir := flags("client-profile")
	name := fs.String("profile", "cns", "profilo del server / server profile")
	mode := fs.String("mode", "rekey", "rekey o extend, dove il profilo permette entrambi / where the profile allows both")
	base := fs.String("url", "", "URL pubblico della CA (predefinito: publicURL o listen) / CA public URL")
	c, err := openCA(fs, dir, args)
	if err != nil {
		return err
	}
	defer c.Close()
	if *base != "" {
		c.SetPublicURL(*base)
	}
	b, err := c.ClientProfile(*name, *mode)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// openCA parses a command's flags, then opens the CA in the --dir they name.
func openCA(fs *flag.FlagSet, dir *string, args []string) (*ca.CA, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := needDir(*dir); err != nil {
		return nil, err
	}
	return open(*dir)
}

// cmdAudit checks the audit log (internal/ca/store, audit.go): the hash chain from the first record to
// the last, and every account's balance and every charge against it. It prints what it checked; a broken
// chain or a discrepancy is the error (exit status 1).
func cmdAudit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("sottocomando audit sconosciuto (verify) / unknown audit subcommand (verify)\n%s", usage)
	}
	fs, dir := flags("audit verify")
	head := fs.String("head", "", "SEQ:HASH stampato da una verifica precedente: deve essere ancora nel registro / SEQ:HASH printed by an earlier check: it must still be in the log")
	c, err := openCA(fs, dir, args[1:])
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Store.VerifyAudit(context.Background())
	if err == nil && *head != "" {
		err = keptHead(c.Store, *head)
	}
	if err != nil {
		return fmt.Errorf("registro di audit NON valido / audit log NOT valid: %w", err)
	}
	events := make([]string, 0, len(rep.Events))
	for e, n := range rep.Events {
		events = append(events, fmt.Sprintf("%s=%d", e, n))
	}
	sort.Strings(events)
	fmt.Printf("registro di audit valido / audit log valid: %d record, ultimo hash/head %s\n", rep.Records, rep.Head)
	fmt.Printf("  eventi/events: %s\n", strings.Join(events, " "))
	fmt.Printf("  crediti degli account giustificati dal registro / account balances accounted for: %d\n", len(rep.Balances))
	fmt.Printf("  per la prossima verifica / for the next check: --head %d:%s\n", rep.Records, rep.Head)
	return nil
}

// keptHead checks that the log still holds the head an earlier check printed (SEQ:HASH), kept outside the
// database: a whole chain cut short before it, or rewritten, with the tables made to match, verifies
// otherwise (RFC 9162 §2.1.4: a log is checked against a head seen before).
func keptHead(s store.Store, head string) error {
	seqText, hash, ok := strings.Cut(head, ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq < 1 {
		return fmt.Errorf("--head %q: serve SEQ:HASH / --head %q: SEQ:HASH expected", head, head)
	}
	recs, err := s.Audit(context.Background(), seq-1, 1)
	if err != nil {
		return err
	}
	if len(recs) == 0 || recs[0].Seq != seq || recs[0].Hash != hash {
		return fmt.Errorf("il record %d non ha più l'hash %s: il registro è stato accorciato o riscritto / record %d no longer has hash %s: the log was cut short or rewritten", seq, hash, seq, hash)
	}
	return nil
}
