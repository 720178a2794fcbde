package ca

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
)

// ServeOptions are the choices of `ponte-ca serve`.
type ServeOptions struct {
	// Listen is the address; "" means the configuration's.
	Listen string
	// TLSCert and TLSKey are PEM files (certificate chain, private key): when set the CA serves https
	// only. Without them it serves plain HTTP, on a loopback address only.
	TLSCert, TLSKey string
}

// Serve listens on addr (loopback by default) and serves plain HTTP until ctx ends; see ServeWith.
func (c *CA) Serve(ctx context.Context, addr string, ready chan<- string) error {
	return c.ServeWith(ctx, ServeOptions{Listen: addr}, ready)
}

// ServeWith listens and serves until ctx ends. It returns the base URL on the ready channel once
// listening; when the configuration has no publicURL the certificates point to it.
//
// Plain HTTP is refused on any address but loopback: CMP messages carry MAC-protected secrets and
// prepaid accounts' passwords in regInfo, and Ponte's own client sends them only over https or to
// loopback (cmp.SecureURL), so the CA applies the same rule to itself. Over TLS only TLS 1.2 and 1.3
// are offered (RFC 8996 deprecates 1.0 and 1.1; RFC 9811 §3.1 leaves the channel's security to TLS).
func (c *CA) ServeWith(ctx context.Context, o ServeOptions, ready chan<- string) error {
	addr := o.Listen
	if addr == "" {
		addr = c.Config.Listen
	}
	var tlsConf *tls.Config
	switch {
	case o.TLSCert != "" && o.TLSKey != "":
		kp, err := newKeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return err
		}
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.get}
	case o.TLSCert != "" || o.TLSKey != "":
		return errors.New("--tls-cert e --tls-key vanno dati insieme / --tls-cert and --tls-key go together")
	case !cmp.SecureURL("http://" + addr):
		return fmt.Errorf("HTTP senza TLS solo su loopback: %s non lo è; usare --tls-cert e --tls-key, o --listen 127.0.0.1:PORTA / plain HTTP on loopback only: %s is not; use --tls-cert and --tls-key, or --listen 127.0.0.1:PORT", addr, addr)
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && c.Config.PublicURL == "" && (host == "" || net.ParseIP(host).IsUnspecified()) {
		// The certificates' OCSP, CRL and CA issuers pointers (RFC 5280 §4.2.2.1, §4.2.1.13) would name
		// 0.0.0.0 or [::], which no client can reach.
		return fmt.Errorf("in ascolto su %s serve publicURL in config.json (ponte-ca init --public-url https://…) / listening on %s needs publicURL in config.json (ponte-ca init --public-url https://…)", addr, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	scheme := "http://"
	if tlsConf != nil {
		scheme = "https://"
		ln = tls.NewListener(ln, tlsConf)
	}
	base := scheme + ln.Addr().String()
	if c.Config.PublicURL == "" {
		c.SetPublicURL(base)
	}
	srv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if ready != nil {
		ready <- base
	}
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// keyPair is the TLS certificate, read again when its files change, so that a renewed server
// certificate is taken up without a restart. A pair that does not load (files half-replaced) keeps
// the previous one in use.
type keyPair struct {
	certFile, keyFile string

	mu    sync.Mutex
	cert  *tls.Certificate
	stamp string
}

func newKeyPair(certFile, keyFile string) (*keyPair, error) {
	kp := &keyPair{certFile: certFile, keyFile: keyFile}
	c, err := kp.get(nil)
	if err != nil {
		return nil, fmt.Errorf("certificato TLS non utilizzabile / TLS certificate not usable: %w", err)
	}
	// A certificate out of its validity is refused by every client (RFC 5280 §6.1.3 (a)(2)): say so at
	// start rather than serve handshakes that all fail.
	if now := time.Now(); now.Before(c.Leaf.NotBefore) || now.After(c.Leaf.NotAfter) {
		return nil, fmt.Errorf("certificato TLS %s valido solo dal %s al %s / TLS certificate %s valid only from %s to %s",
			certFile, c.Leaf.NotBefore.Format(time.DateTime), c.Leaf.NotAfter.Format(time.DateTime), certFile, c.Leaf.NotBefore.Format(time.DateTime), c.Leaf.NotAfter.Format(time.DateTime))
	}
	return kp, nil
}

// get is tls.Config.GetCertificate.
func (kp *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	stamp := ""
	for _, f := range []string{kp.certFile, kp.keyFile} {
		if st, err := os.Stat(f); err == nil {
			stamp += st.ModTime().String() + fmt.Sprint(st.Size())
		}
	}
	if kp.cert != nil && stamp == kp.stamp {
		return kp.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(kp.certFile, kp.keyFile)
	if err != nil {
		if kp.cert != nil {
			kp.stamp = stamp // said once per change of the files
			log.Printf("ponte-ca: certificato TLS non ricaricato, resta il precedente / TLS certificate not reloaded, keeping the previous one: %v", err)
			return kp.cert, nil
		}
		return nil, err
	}
	kp.cert, kp.stamp = &cert, stamp
	return kp.cert, nil
}
