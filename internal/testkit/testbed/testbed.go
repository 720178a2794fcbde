// Package testbed assembles the embedded default that `make demo` and the real-browser tests run on:
// ponte-ca on loopback, a SoftHSM2 token provisioned as a TS-CNS with certificates from that CA, and the
// same card on a private pcscd through vpcd (the CNS files readable without PIN). ponte-host, started with
// Env, sees one card through both doors, exactly as it sees a real card through PC/SC and a vendor module.
package testbed

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/testkit/pcscd"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/virtualcard"
)

// The demo card's PIN and PUK: test values, shown by `make demo` and typed by the browser tests.
const (
	PIN = "12345678"
	PUK = "87654321"
)

// Options shape the bed; the zero value is the demo: an ST 2021 card of Mario Rossi whose authentication
// certificate was issued two years ago and expires in 30 days (inside the 90-day renewal window).
type Options struct {
	Dir     string
	Family  string // cns family ID for the virtual card's ATR; default "ST"
	Holder  softcard.Holder
	CNSAge  time.Duration // how long ago the certificates were first issued; default two years
	CNSLeft time.Duration // time left on the CNS certificate; default 30 days
	SigLeft time.Duration // time left on the signature certificate; default 400 days
	// Profiles are the client profiles written for the extension: server profile and mode.
	Profiles []Choice
	// NoPCSC leaves out pcscd and the virtual PC/SC card (PKCS#11 only).
	NoPCSC bool
	// Shim is a PKCS#11 module ponte-host loads instead of SoftHSM, reaching SoftHSM through
	// LOCKSHIM_MODULE: host/p11/testdata/lockshim.c (testenv.PKCS11Module), which adds a card's PIN and
	// PUK retry counters and, with PINPad, a PIN-pad reader on which the user "types" PIN.
	Shim   string
	PINPad bool
	// PINBlocked starts the card with its PIN blocked (the shim's counter at zero; needs Shim).
	PINBlocked bool
	// CNSOnly makes a card with the CNS authentication certificate only (no signature certificate);
	// SignKeyBits, when set, is the signature key's RSA size (1024: a weak key). Issue 6's warnings.
	CNSOnly     bool
	SignKeyBits int
	// NoCORS makes ponte-ca answer CMP, OCSP and TSA without CORS headers, as real CAs do: the extension
	// reaches it only through its host permissions (ca.CA.NoCORS).
	NoCORS bool
}

// Choice names a server profile of ponte-ca and the mode the client asks for.
type Choice struct{ Server, Mode string }

// Bed is the running embedded default.
type Bed struct {
	Dir         string
	CA          *ca.CA
	CAURL       string
	Account     string // the demo prepaid account and its password (for paid renewals)
	Password    string
	Card        *softcard.Card
	Holder      cns.Holder
	Env         []string // for ponte-host and the browser that starts it
	ProfilesDir string   // index.json and one client profile per Choice
	Slot        *virtualcard.Slot
	Daemon      *pcscd.Daemon
	SoftHSM     string // the SoftHSM library holding the token (under Options.Shim when there is one)

	caLn   net.Listener
	caAddr string
	srvMu  sync.Mutex
	srv    *http.Server
	opts   Options // as Start completed them (AddToken issues alike)
}

// Start builds and starts everything; Close stops it.
func Start(o Options) (b *Bed, err error) {
	if o.Dir == "" {
		return nil, errors.New("testbed: Dir is required")
	}
	if o.Family == "" {
		o.Family = "ST"
	}
	if o.Holder.Surname == "" {
		o.Holder = softcard.Holder{Surname: "ROSSI", GivenName: "MARIO", CodiceFiscale: "RSSMRA80A01H501U", CardID: "8038000000000001"}
	}
	if o.CNSAge == 0 {
		o.CNSAge = 2 * 365 * 24 * time.Hour
	}
	if o.CNSLeft == 0 {
		o.CNSLeft = 30 * 24 * time.Hour
	}
	if o.SigLeft == 0 {
		o.SigLeft = 400 * 24 * time.Hour
	}
	if len(o.Profiles) == 0 {
		o.Profiles = []Choice{{"cns", "rekey"}}
	}
	b = &Bed{Dir: o.Dir}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if err := b.startCA(o.NoCORS); err != nil {
		return nil, err
	}
	if err := b.writeProfiles(o.Profiles); err != nil {
		return nil, err
	}
	lib, err := softhsm()
	if err != nil {
		return nil, err
	}
	if err := b.provision(o, lib); err != nil {
		return nil, err
	}
	state := filepath.Join(o.Dir, "state")
	b.SoftHSM = lib
	module := lib
	if o.Shim != "" {
		module = o.Shim
		b.Env = append(b.Env, "LOCKSHIM_MODULE="+lib)
		if o.PINPad {
			b.Env = append(b.Env, "LOCKSHIM_PINPAD="+PIN)
		}
		if o.PINBlocked {
			b.Env = append(b.Env, "LOCKSHIM_USER_TRIES=0")
		}
	}
	b.Env = append(b.Env, "PONTE_PKCS11_MODULE="+module, "XDG_STATE_HOME="+state, "XDG_CONFIG_HOME="+filepath.Join(o.Dir, "config"))
	if o.NoPCSC {
		b.Env = append(b.Env, "PCSCLITE_CSOCK_NAME="+filepath.Join(o.Dir, "no-pcscd"))
		return b, nil
	}
	if err := b.startCard(o); err != nil {
		return nil, err
	}
	b.Env = append(b.Env, "PCSCLITE_CSOCK_NAME="+b.Daemon.Socket)
	return b, nil
}

// startCA creates the CA and serves it on a loopback port that survives StopCA/StartCA.
func (b *Bed) startCA(noCORS bool) error {
	res, err := ca.Init(filepath.Join(b.Dir, "ca"), ca.InitOptions{})
	if err != nil {
		return err
	}
	res.CA.NoCORS = noCORS
	b.CA, b.Account, b.Password = res.CA, res.AccountID, res.AccountPassword
	if b.caLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return err
	}
	b.caAddr = b.caLn.Addr().String()
	b.CAURL = "http://" + b.caAddr
	b.CA.SetPublicURL(b.CAURL)
	b.serveCA(b.caLn)
	return nil
}

func (b *Bed) serveCA(ln net.Listener) {
	srv := &http.Server{Handler: b.CA.Handler(), ReadHeaderTimeout: 10 * time.Second}
	b.srvMu.Lock()
	b.srv = srv
	b.srvMu.Unlock()
	go srv.Serve(ln)
}

// StopCA makes the CA unreachable (fault tests); StartCA brings it back on the same address.
func (b *Bed) StopCA() {
	b.srvMu.Lock()
	srv := b.srv
	b.srv = nil
	b.srvMu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}

func (b *Bed) StartCA() error {
	ln, err := net.Listen("tcp", b.caAddr)
	if err != nil {
		return err
	}
	b.serveCA(ln)
	return nil
}

// RestartCA stops ponte-ca, closes its database, opens it again from its folder and serves it on the same
// address: a CA process restarted (fault tests, I5: nothing is lost).
func (b *Bed) RestartCA() error {
	b.StopCA()
	noCORS := b.CA.NoCORS
	if err := b.CA.Close(); err != nil {
		return err
	}
	c, err := ca.Open(filepath.Join(b.Dir, "ca"))
	if err != nil {
		return err
	}
	c.NoCORS = noCORS
	c.SetPublicURL(b.CAURL)
	b.CA = c
	return b.StartCA()
}

func (b *Bed) writeProfiles(choices []Choice) error {
	b.ProfilesDir = filepath.Join(b.Dir, "profiles")
	if err := os.MkdirAll(b.ProfilesDir, 0o755); err != nil {
		return err
	}
	var names []string
	for _, c := range choices {
		data, err := b.CA.ClientProfile(c.Server, c.Mode)
		if err != nil {
			return err
		}
		name := c.Server + "-" + c.Mode + ".json"
		if err := os.WriteFile(filepath.Join(b.ProfilesDir, name), data, 0o644); err != nil {
			return err
		}
		names = append(names, name)
	}
	idx, _ := json.Marshal(names)
	return os.WriteFile(filepath.Join(b.ProfilesDir, "index.json"), idx, 0o644)
}

func softhsm() (string, error) {
	d, _ := p11.DriverByName("softhsm")
	l := p11.NewLocator()
	for _, p := range d.Candidates(l.GOOS, l.GOARCH) {
		if l.Exists(p) {
			return p, nil
		}
	}
	return "", errors.New("testbed: libsofthsm2.so not found (apt install softhsm2)")
}

// provision makes the SoftHSM token. SoftHSM reads SOFTHSM2_CONF at C_Initialize, so this process sets it
// for the provisioning; ponte-host gets it through Env.
func (b *Bed) provision(o Options, lib string) error {
	conf, err := softcard.WriteSoftHSMConfig(filepath.Join(b.Dir, "softhsm"))
	if err != nil {
		return err
	}
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return err
	}
	b.Env = append(b.Env, "SOFTHSM2_CONF="+conf)
	b.opts = o
	m := p11.NewManager()
	defer m.Close()
	b.Card, err = softcard.Provision(m, softcard.Config{Module: lib, Holder: o.Holder, PIN: []byte(PIN), PUK: []byte(PUK),
		Issuer: b.issuer(o), OutDir: filepath.Join(b.Dir, "card"), CNSOnly: o.CNSOnly, SignatureKeyBits: o.SignKeyBits})
	return err
}

// issuer issues a card's certificates from the bed's CA, with the ages o asks for.
func (b *Bed) issuer(o Options) softcard.Issuer {
	now := time.Now()
	return func(pub crypto.PublicKey, subject pkix.Name, role string) ([]byte, error) {
		spki, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		dn, err := asn1.Marshal(subject.ToRDNSequence())
		if err != nil {
			return nil, err
		}
		r := &ca.Request{Subject: dn, SPKI: spki, Role: profile.RoleCNS, Profile: "cns",
			NotBefore: now.Add(-o.CNSAge), NotAfter: now.Add(o.CNSLeft)}
		if role == "signature" {
			r.Role, r.Profile, r.NotAfter = profile.RoleSignature, "signature", now.Add(o.SigLeft)
		}
		cert, err := b.CA.Issue(context.Background(), r)
		if err != nil {
			return nil, err
		}
		return cert.Raw, nil
	}
}

// AddToken provisions one more card, for holder, in the bed's SoftHSM (two cards at once), its certificates
// issued by the bed's CA as the first card's were; ponte-host sees it when it loads the module anew. PKCS#11
// only: no PC/SC card for it, so the host names it by its token serial.
func (b *Bed) AddToken(holder softcard.Holder) (*softcard.Card, error) {
	m := p11.NewManager()
	defer m.Close()
	return softcard.Provision(m, softcard.Config{Module: b.SoftHSM, Holder: holder, PIN: []byte(PIN), PUK: []byte(PUK), Issuer: b.issuer(b.opts)})
}

// startCard runs a private pcscd and puts the same card, as CNS files, in its first vpcd reader.
func (b *Bed) startCard(o Options) error {
	daemonPath, err := exec.LookPath("pcscd")
	if err != nil {
		return errors.New("testbed: pcscd not found (apt install pcscd)")
	}
	var driver string
	for _, p := range pcscd.VPCDDriver {
		if _, err := os.Stat(p); err == nil {
			driver = p
		}
	}
	if driver == "" {
		return errors.New("testbed: vpcd driver not found (apt install vsmartcard-vpcd)")
	}
	dir := filepath.Join(b.Dir, "pcscd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if b.Daemon, err = pcscd.Start(daemonPath, driver, dir); err != nil {
		return err
	}
	now := time.Now()
	b.Holder = cns.Holder{IssuerCode: "080", IssueDate: now.Add(-o.CNSAge).Format("02012006"), ExpiryDate: now.Add(o.CNSLeft).Format("02012006"),
		Surname: o.Holder.Surname, Name: o.Holder.GivenName, BirthDate: "01011980", Sex: "M", CodiceFiscale: o.Holder.CodiceFiscale}
	img, err := virtualcard.NewTSCNS(o.Family, b.Holder, o.Holder.CardID, b.Card.AuthCert, b.Card.SignCert)
	if err != nil {
		return err
	}
	b.Slot = &virtualcard.Slot{Addr: b.Daemon.VPCDAddr(0), Image: img}
	if err := b.Slot.Insert(15 * time.Second); err != nil {
		return fmt.Errorf("%w\npcscd log:\n%s", err, b.Daemon.LogTail())
	}
	return nil
}

// Close stops the card, pcscd and the CA.
func (b *Bed) Close() {
	if b.Slot != nil {
		b.Slot.Remove()
	}
	if b.Daemon != nil {
		b.Daemon.Stop()
	}
	b.StopCA()
	if b.caLn != nil {
		b.caLn.Close()
	}
	if b.CA != nil {
		b.CA.Close()
	}
}
