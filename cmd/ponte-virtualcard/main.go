// Command ponte-virtualcard is a virtual TS-CNS card for tests and the demo. It connects to vsmartcard's vpcd
// reader driver (loaded by pcscd; default 127.0.0.1:35963) as the card, answering with a CNS image built
// from holder data and certificate files.
//
//	ponte-virtualcard --image DIR                 DIR/card.json (+ the certificate files it names)
//	ponte-virtualcard --family ST --surname ROSSI --name MARIO --cf RSSMRA85T10A562S --card-id 0123456789012345 \
//	            --auth-cert auth.der [--sig-cert sig.der]
//
// While it runs, "remove" and "insert" on standard input (or the signals SIGUSR1 and SIGUSR2) take the
// card out of the reader and put it back; "quit" (or SIGINT/SIGTERM) ends it.
package main

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/virtualcard"
)

// imageFile is DIR/card.json.
type imageFile struct {
	Family   string     `json:"family"`
	CardID   string     `json:"cardId"`
	Holder   cns.Holder `json:"holder"`
	AuthCert string     `json:"authCert"`          // file name (DER or PEM), relative to DIR
	SigCert  string     `json:"sigCert,omitempty"` // optional
	ATR      string     `json:"atr,omitempty"`     // optional hex, replaces the family's ATR
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("ponte-virtualcard: ")
	if err := run(os.Args[1:], os.Stdin); err != nil {
		log.Print(err)
		os.Exit(2)
	}
}

func run(args []string, stdin io.Reader) error {
	fs := flag.NewFlagSet("ponte-virtualcard", flag.ContinueOnError)
	var (
		imageDir = fs.String("image", "", "directory with card.json and the certificate files")
		addr     = fs.String("vpcd", fmt.Sprintf("127.0.0.1:%d", virtualcard.DefaultVPCDPort), "vpcd address (host:port)")
		img      imageFile
		atr      string
	)
	fs.StringVar(&img.Family, "family", "ST", "card family id from internal/cns/families.json (AC, IDEMIA2021, ST, INCARD, ...)")
	fs.StringVar(&img.CardID, "card-id", "0123456789012345", "EF_IDCarta content (16 characters)")
	fs.StringVar(&img.Holder.Surname, "surname", "ROSSI", "holder surname")
	fs.StringVar(&img.Holder.Name, "name", "MARIO", "holder first name")
	fs.StringVar(&img.Holder.CodiceFiscale, "cf", "RSSMRA85T10A562S", "codice fiscale")
	fs.StringVar(&img.Holder.BirthDate, "birth-date", "10121985", "birth date DDMMYYYY")
	fs.StringVar(&img.Holder.Sex, "sex", "M", "sex (M/F)")
	fs.StringVar(&img.Holder.IssuerCode, "issuer", "80380", "issuer code")
	fs.StringVar(&img.Holder.IssueDate, "issue-date", "01022021", "issue date DDMMYYYY")
	fs.StringVar(&img.Holder.ExpiryDate, "expiry-date", "01022027", "expiry date DDMMYYYY")
	fs.StringVar(&img.AuthCert, "auth-cert", "", "authentication certificate file, DER or PEM (default: a self-signed placeholder)")
	fs.StringVar(&img.SigCert, "sig-cert", "", "signature certificate file, DER or PEM (optional)")
	fs.StringVar(&atr, "atr", "", "ATR in hex, replacing the family's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := ""
	if *imageDir != "" {
		b, err := os.ReadFile(filepath.Join(*imageDir, "card.json"))
		if err != nil {
			return err
		}
		img = imageFile{}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&img); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(*imageDir, "card.json"), err)
		}
		dir = *imageDir
	} else {
		img.ATR = atr
	}
	image, err := build(img, dir)
	if err != nil {
		return err
	}
	return serve(image, *addr, stdin)
}

// build makes the card image from the description; file names are relative to dir.
func build(d imageFile, dir string) (*virtualcard.Image, error) {
	var auth, sig []byte
	var err error
	if d.AuthCert != "" {
		if auth, err = readCert(filepath.Join(dir, d.AuthCert)); err != nil {
			return nil, err
		}
	} else {
		log.Print("no authentication certificate given: using a self-signed placeholder")
		if auth, err = placeholderCert(d.Holder); err != nil {
			return nil, err
		}
	}
	if d.SigCert != "" {
		if sig, err = readCert(filepath.Join(dir, d.SigCert)); err != nil {
			return nil, err
		}
	}
	image, err := virtualcard.NewTSCNS(d.Family, d.Holder, d.CardID, auth, sig)
	if err != nil {
		return nil, err
	}
	if d.ATR != "" {
		if image.ATR, err = hex.DecodeString(strings.ReplaceAll(d.ATR, " ", "")); err != nil {
			return nil, fmt.Errorf("--atr: %w", err)
		}
		if err := image.Check(); err != nil {
			return nil, err
		}
	}
	return image, nil
}

// readCert reads a certificate file, DER or PEM, and checks that it parses.
func readCert(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	if _, err := x509.ParseCertificate(b); err != nil {
		return nil, fmt.Errorf("%s: not an X.509 certificate: %w", path, err)
	}
	return b, nil
}

// placeholderCert is a self-signed CNS-like authentication certificate (policy 1.3.76.16.2.1), so the
// card works without files; real demos pass the certificates of the SoftHSM2 token.
func placeholderCert(h cns.Holder) ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	cert, err := pki.Certify(&x509.Certificate{
		Subject:           pkix.Name{CommonName: h.CodiceFiscale, Country: []string{"IT"}, SerialNumber: h.CodiceFiscale},
		NotBefore:         time.Now().Add(-time.Hour),
		NotAfter:          time.Now().AddDate(6, 0, 0),
		KeyUsage:          x509.KeyUsageDigitalSignature,
		ExtKeyUsage:       []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		PolicyIdentifiers: []asn1.ObjectIdentifier{{1, 3, 76, 16, 2, 1}},
	}, key.Public(), nil, key)
	if err != nil {
		return nil, err
	}
	return cert.Raw, nil
}

// serve keeps the card in the vpcd reader, reconnecting when vpcd drops it (pcscd restarted), and obeys
// remove/insert/quit from stdin and signals.
func serve(image *virtualcard.Image, addr string, stdin io.Reader) error {
	slot := &virtualcard.Slot{Addr: addr, Image: image}
	cmds := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			cmds <- strings.TrimSpace(sc.Text())
		}
		// End of input is not "quit": the card stays until a signal.
	}()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	inserted := false
	insert := func() error {
		if err := slot.Insert(30 * time.Second); err != nil {
			return err
		}
		inserted = true
		log.Printf("card inserted in vpcd at %s (ATR %X)", addr, image.ATR)
		return nil
	}
	if err := insert(); err != nil {
		return err
	}
	// ended reports the end of a connection, tagged with its generation so that the end of one we
	// closed ourselves is not taken for vpcd dropping the current one.
	type end struct {
		gen int
		err error
	}
	ended := make(chan end, 4)
	gen := 0
	watchEnd := func() {
		gen++
		g := gen
		go func() { ended <- end{g, slot.Wait()} }()
	}
	watchEnd()
	for {
		select {
		case c := <-cmds:
			switch c {
			case "remove":
				if inserted {
					inserted = false
					slot.Remove()
					log.Print("card removed")
				}
			case "insert":
				if !inserted {
					if err := insert(); err != nil {
						return err
					}
					watchEnd()
				}
			case "quit":
				slot.Remove()
				return nil
			case "":
			default:
				log.Printf("unknown command %q (remove, insert, quit)", c)
			}
		case s := <-sigs:
			switch s {
			case syscall.SIGUSR1:
				go func() { cmds <- "remove" }()
			case syscall.SIGUSR2:
				go func() { cmds <- "insert" }()
			default:
				slot.Remove()
				return nil
			}
		case e := <-ended:
			if !inserted || e.gen != gen {
				continue // our own removal
			}
			if e.err != nil && !errors.Is(e.err, io.EOF) {
				log.Printf("connection to vpcd ended: %v", e.err)
			}
			// vpcd dropped the card (pcscd restarted or polled a dead socket): put it back.
			inserted = false
			time.Sleep(200 * time.Millisecond)
			if err := insert(); err != nil {
				return err
			}
			watchEnd()
		}
	}
}
