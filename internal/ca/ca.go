// Package ca is ponte-ca, the embedded default CA: a small but real certification authority for the
// demo and the tests. It issues X.509 certificates for CNS authentication and signature keys under
// server profiles (internal/ca/profile) and a renewal policy (internal/ca/policy), answers CMP (RFC 9810,
// HTTP transport RFC 9811, lightweight profile RFC 9483) through the codec in internal/cmp, runs an OCSP
// responder (RFC 6960) and publishes a CRL (RFC 5280 §5), and keeps all state in a database
// (internal/ca/store: SQLite, or PostgreSQL shared by several instances) so a restart loses nothing.
//
// A CA lives in a directory:
//
//	DIR/ca.pem        the CA certificate (the trust anchor clients configure)
//	DIR/ca-key.pem    its private key (PKCS #8, mode 0600), absent when config.json names a PKCS#11 token
//	DIR/config.json   Config
//	DIR/profiles/*.json server profiles, one per CMP endpoint /.well-known/cmp/p/<name>
//	DIR/ca.db         the state, unless config.json names a PostgreSQL database
//	DIR/tsa.pem, DIR/tsa-key.pem  the time-stamping authority's certificate and key
package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/ca/hsm"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/tsp"
)

// Files in a CA directory.
const (
	CertFile    = "ca.pem"
	KeyFile     = "ca-key.pem"
	ConfigFile  = "config.json"
	DBFile      = "ca.db"
	ProfilesDir = "profiles"
)

// CA is an open certification authority.
type CA struct {
	Dir    string
	Config Config
	Cert   *x509.Certificate
	Key    crypto.Signer
	token  *hsm.Key // Key's token when the key is in PKCS#11 (key.go), closed by Close
	// keyHealth caches /healthz's signature with Key (health.go).
	keyHealth keyHealth
	Store     store.Store
	Profiles  map[string]*profile.Profile
	// TSA is the RFC 3161 responder served on /tsa.
	TSA *tsp.Responder

	// Now is the CA's clock (tests move it); nil means time.Now.
	Now func() time.Time
	// Logf, when set, gets one line per CMP exchange (never credentials).
	Logf func(format string, args ...any)
	// NoCORS serves every answer without CORS headers, as real CAs, OCSP responders and TSAs do: only a
	// browser extension holding a host permission for the CA can then read them (tests of the extension's
	// permissions). Set it before Handler is called.
	NoCORS bool

	// mu guards Profiles: CMP exchanges read them (RLock, many at once), AddProfile changes them. The
	// exchanges' state changes are made atomic by the store, as they must be across instances anyway.
	mu        sync.RWMutex
	urlMu     sync.Mutex
	publicURL string
}

// InitOptions are the choices of `ponte-ca init`.
type InitOptions struct {
	Name          string // CA common name; default "Ponte CA dimostrativa"
	Listen        string // default DefaultListen
	PublicURL     string
	DemoAccount   string // default "demo"
	DemoBalance   int64  // cents; default 5000 (50 €)
	DemoIRSecret  string // default: random
	DemoPassword  string // default: random
	ValidityYears int    // CA certificate; default 20
	Database      string // Config.Database; default sqlite:DIR/ca.db
	// PKCS11, when set, puts the CA key in a token (key.go); nil keeps it in DIR/ca-key.pem.
	PKCS11 *hsm.Config
}

// InitResult says what init created, for the operator.
type InitResult struct {
	CA              *CA
	AccountID       string
	AccountPassword string
	IRReference     string
	IRSecret        string
}

// Init creates a new CA in dir (which must not already hold one) and opens it.
func Init(dir string, o InitOptions) (*InitResult, error) {
	if _, err := os.Stat(filepath.Join(dir, CertFile)); err == nil {
		return nil, fmt.Errorf("%s esiste già: la CA è già stata creata / %s already exists: the CA was already created", filepath.Join(dir, CertFile), filepath.Join(dir, CertFile))
	}
	if o.Name == "" {
		o.Name = "Ponte CA dimostrativa"
	}
	if o.DemoAccount == "" {
		o.DemoAccount = "demo"
	}
	if o.DemoBalance == 0 {
		o.DemoBalance = 5000
	}
	if o.ValidityYears == 0 {
		o.ValidityYears = 20
	}
	var err error
	if o.DemoIRSecret == "" {
		if o.DemoIRSecret, err = RandomPassword(); err != nil {
			return nil, err
		}
	}
	if o.DemoPassword == "" {
		if o.DemoPassword, err = RandomPassword(); err != nil {
			return nil, err
		}
	}
	cfg := Config{Listen: o.Listen, PublicURL: o.PublicURL, DefaultProfile: "cns", Name: o.Name, Database: o.Database, PKCS11: o.PKCS11}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := checkNewDatabase(o.Database); err != nil {
		return nil, err
	}
	key, err := newCAKey(o.PKCS11)
	if err != nil {
		return nil, err
	}
	if err := writeCA(dir, &cfg, key, o); err != nil {
		key.discard()
		return nil, err
	}
	key.close()
	c, err := OpenWith(dir, OpenOptions{PINFile: pinFileOf(o.PKCS11)})
	if err != nil {
		return nil, err
	}
	if err := c.AddAccount(context.Background(), o.DemoAccount, o.DemoPassword, o.DemoBalance); err != nil {
		c.Close()
		return nil, err
	}
	return &InitResult{CA: c, AccountID: o.DemoAccount, AccountPassword: o.DemoPassword, IRReference: "demo", IRSecret: o.DemoIRSecret}, nil
}

// checkNewDatabase opens the database a new CA is to use, before anything is written: a wrong URL or an
// unreachable server leaves no half-made CA directory, and a database holding another CA's state (its
// audit log has records) is refused rather than mixed with this one's.
func checkNewDatabase(url string) error {
	if url == "" {
		return nil
	}
	st, err := store.Open(url)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := st.Audit(context.Background(), 0, 1)
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		return fmt.Errorf("il database %s contiene già lo stato di una CA / database %s already holds a CA's state", url, url)
	}
	return nil
}

// selfSigned makes the CA certificate (RFC 5280 §4.2.1.9 basicConstraints cA, §4.2.1.3 keyCertSign and
// cRLSign; digitalSignature because the same key signs CMP answers and OCSP responses).
func selfSigned(key crypto.Signer, name string, years int, now time.Time) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	// Back-dated ten years so demo and test cards can be provisioned with past issuance dates (to be
	// inside a renewal window or near the lifetime cap) and still chain at every instant of their life.
	nb := now.UTC().Truncate(time.Second).AddDate(-10, 0, 0)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Ponte"}, Country: []string{"IT"}},
		NotBefore:             nb,
		NotAfter:              now.UTC().Truncate(time.Second).AddDate(years, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          ski,
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
}

// Open opens the CA in dir: certificate, key, configuration, profiles and database.
func Open(dir string) (*CA, error) { return OpenWith(dir, OpenOptions{}) }

// DatabaseURL is the state database of the CA in dir: db when not empty (the --db flag), else
// config.json's, else sqlite:DIR/ca.db.
func DatabaseURL(dir, db string, cfg *Config) string {
	switch {
	case db != "":
		return db
	case cfg != nil && cfg.Database != "":
		return cfg.Database
	}
	return "sqlite:" + filepath.Join(dir, DBFile)
}

// OpenDB is Open with the state in database db (see DatabaseURL).
func OpenDB(dir, db string) (*CA, error) { return OpenWith(dir, OpenOptions{DB: db}) }

// OpenWith opens the CA in dir as Open does, with the choices of `ponte-ca serve`.
func OpenWith(dir string, o OpenOptions) (*CA, error) {
	c := &CA{Dir: dir, Profiles: map[string]*profile.Profile{}}
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		return nil, fmt.Errorf("CA non trovata in %s (eseguire ponte-ca init) / no CA in %s (run ponte-ca init): %w", dir, dir, err)
	}
	if c.Cert, err = ParseCertificatePEM(certPEM); err != nil {
		return nil, err
	}
	cfgData, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(cfgData)
	if err != nil {
		return nil, err
	}
	c.Config = *cfg
	if err := c.loadKey(o); err != nil {
		return nil, err
	}
	if err := c.openState(o.DB); err != nil {
		c.closeKey()
		return nil, err
	}
	return c, nil
}

// openState loads what the CA keeps besides its key: profiles, the TSA and the database db (see
// DatabaseURL).
func (c *CA) openState(db string) error {
	if err := c.loadProfiles(); err != nil {
		return err
	}
	if err := c.loadTSA(); err != nil {
		return err
	}
	if err := checkDatabase(db); err != nil {
		return err
	}
	var err error
	if c.Store, err = store.Open(DatabaseURL(c.Dir, db, &c.Config)); err != nil {
		return err
	}
	c.publicURL = c.Config.PublicURL
	if c.publicURL == "" {
		c.publicURL = "http://" + c.Config.Listen
	}
	return nil
}

func (c *CA) loadProfiles() error {
	files, err := filepath.Glob(filepath.Join(c.Dir, ProfilesDir, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p, err := profile.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if strings.TrimSuffix(filepath.Base(f), ".json") != p.Name {
			return fmt.Errorf("%s: il nome del file deve essere %s.json / the file name must be %s.json", f, p.Name, p.Name)
		}
		c.Profiles[p.Name] = p
	}
	if c.Profiles[c.Config.DefaultProfile] == nil {
		return fmt.Errorf("profilo predefinito %q non trovato in %s / default profile %q not found in %s", c.Config.DefaultProfile, ProfilesDir, c.Config.DefaultProfile, ProfilesDir)
	}
	return nil
}

// AddProfile installs a profile (written to DIR/profiles and used at once).
func (c *CA) AddProfile(p *profile.Profile) error {
	if err := p.Normalize(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, ProfilesDir, p.Name+".json"), p.Marshal(), 0o600); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Profiles[p.Name] = p
	return nil
}

// Close closes the database and the key's token.
func (c *CA) Close() error {
	c.closeKey()
	return c.Store.Close()
}

// SetPublicURL sets the base URL written into certificates (the server calls it with its real address
// when the configuration does not fix one).
func (c *CA) SetPublicURL(u string) {
	c.urlMu.Lock()
	defer c.urlMu.Unlock()
	c.publicURL = strings.TrimRight(u, "/")
}

// PublicURL is the base URL of the CA's HTTP services.
func (c *CA) PublicURL() string {
	c.urlMu.Lock()
	defer c.urlMu.Unlock()
	return c.publicURL
}

func (c *CA) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// ParseCertificatePEM reads the first certificate of a PEM file.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("nessun certificato PEM / no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
}

// randomSerial is a positive 128-bit random serial (RFC 5280 §4.1.2.2: at most 20 octets; CA/B BR
// §7.1: at least 64 bits of randomness): 16 random bytes with the top bit cleared.
func randomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		b[0] &= 0x7f
		if n := new(big.Int).SetBytes(b); n.Sign() > 0 {
			return n, nil
		}
	}
}
