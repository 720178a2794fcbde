package ca

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ponte-it/ponte/internal/ca/hsm"
)

// Config is DIR/config.json. Flags of `ponte-ca serve` override it.
type Config struct {
	// Listen is the address to serve on; loopback by default (RFC 9811 over plain HTTP is for local use).
	Listen string `json:"listen"`
	// PublicURL is the base URL written into certificates (OCSP and CRL pointers, AIA). Empty: the URL
	// the server actually listens on.
	PublicURL string `json:"publicURL,omitempty"`
	// DefaultProfile answers on /.well-known/cmp without a profile label.
	DefaultProfile string `json:"defaultProfile"`
	// Name is the CA's common name (used at init only).
	Name string `json:"name,omitempty"`
	// PKCS11, when set, names the CA key in a token (internal/ca/hsm) instead of DIR/ca-key.pem.
	PKCS11 *hsm.Config `json:"pkcs11,omitempty"`
	// Database is the state database: "sqlite:PATH" or a PostgreSQL URL (postgres:///NAME?host=/socketdir)
	// that several instances share (internal/ca/store). Empty: sqlite:DIR/ca.db.
	Database string `json:"database,omitempty"`
}

// DefaultListen is the loopback address ponte-ca serves on unless told otherwise.
const DefaultListen = "127.0.0.1:8742"

// ParseConfig reads config.json strictly and checks it.
func ParseConfig(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("configurazione della CA non leggibile / CA configuration not readable: %w", err)
	}
	if dec.More() {
		return nil, errors.New("configurazione della CA: dati dopo l'oggetto JSON / CA configuration: data after the JSON object")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) check() error {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("configurazione: listen %q non è host:porta / configuration: listen %q is not host:port", c.Listen, c.Listen)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("configurazione: publicURL %q non è un URL http(s) / configuration: publicURL %q is not an http(s) URL", c.PublicURL, c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.DefaultProfile == "" {
		return errors.New("configurazione: defaultProfile mancante / configuration: defaultProfile missing")
	}
	if err := checkDatabase(c.Database); err != nil {
		return err
	}
	if c.PKCS11 != nil {
		return c.PKCS11.Check()
	}
	return nil
}

// checkDatabase accepts the two forms of a database (docs/ca-operator.md §2), or "" for the default.
// Anything else, e.g. libpq's "host=… dbname=…" or a bare name, would have opened a SQLite file of that
// name: an instance meant for the shared PostgreSQL would serve a state of its own. The value is not
// repeated, as it may hold a password.
func checkDatabase(db string) error {
	for _, prefix := range []string{"", "sqlite:", "postgres://", "postgresql://"} {
		if (prefix == "" && db == "") || (prefix != "" && strings.HasPrefix(db, prefix)) {
			return nil
		}
	}
	return errors.New("database: sono ammessi sqlite:PERCORSO e postgres://… (postgres:///NOME?host=/CARTELLA) / database: only sqlite:PATH and postgres://… are accepted (postgres:///NAME?host=/SOCKETDIR)")
}

// Marshal writes the configuration as ParseConfig reads it.
func (c *Config) Marshal() []byte {
	b, _ := json.MarshalIndent(c, "", "  ")
	return append(b, '\n')
}
