// Package hsm keeps ponte-ca's signing key in a PKCS#11 token (an HSM in production, SoftHSM2 in the
// tests): the key is generated on the token as sensitive and never extractable (PKCS#11 v2.40 §4.9,
// CKA_SENSITIVE and CKA_EXTRACTABLE), and every certificate, CRL, OCSP response and CMP protection is
// signed by the token through Key, a crypto.Signer.
//
// The token's user PIN comes from a file read once at start (ReadPINFile); it is handed to C_Login once
// and never written, logged or retried: a refused PIN stops the CA, as an HSM may lock its user after a
// few wrong PINs.
//
// The package speaks PKCS#11 through github.com/miekg/pkcs11 (cgo); built without cgo, Open and
// Generate say so. It does not import host/p11, which belongs to the native messaging host: the CA and
// the card software share no code path to a token.
package hsm

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Config names the CA key in a token: recorded in the CA's config.json by `ponte-ca init`. It never
// holds the PIN, only the path of the file that does.
type Config struct {
	Module  string `json:"module"`  // path of the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so)
	Token   string `json:"token"`   // CK_TOKEN_INFO label of the token
	Label   string `json:"label"`   // CKA_LABEL of the key pair
	PINFile string `json:"pinFile"` // file holding the user PIN, read at start
}

// DefaultLabel is the key label `ponte-ca init` uses unless told otherwise.
const DefaultLabel = "ponte-ca"

// Check says what is missing from c.
func (c *Config) Check() error {
	if c.Label == "" {
		c.Label = DefaultLabel
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--pkcs11-module", c.Module}, {"--pkcs11-token", c.Token}, {"--pkcs11-pin-file", c.PINFile}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		m := strings.Join(missing, ", ")
		return fmt.Errorf("chiave PKCS#11: manca %s / PKCS#11 key: %s missing", m, m)
	}
	return nil
}

// maxPIN bounds the PIN file: PKCS#11 tokens take PINs of a few dozen bytes (CK_TOKEN_INFO ulMaxPinLen).
const maxPIN = 256

// ReadPINFile reads the user PIN from path: the whole file less one trailing newline. The file must not
// be readable by others (as ssh asks of private keys), so that a PIN file left with a loose mode is
// caught before it is used rather than after it has leaked.
func ReadPINFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("file del PIN non leggibile / PIN file not readable: %w", err)
	}
	if st.Mode().Perm()&0o004 != 0 {
		return nil, fmt.Errorf("il file del PIN %s è leggibile da chiunque (chmod 600) / the PIN file %s is readable by anyone (chmod 600)", path, path)
	}
	if st.Size() > maxPIN {
		return nil, fmt.Errorf("il file del PIN %s è troppo grande / the PIN file %s is too large", path, path)
	}
	pin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("file del PIN non leggibile / PIN file not readable: %w", err)
	}
	n := len(pin)
	if n > 0 && pin[n-1] == '\n' {
		n--
		if n > 0 && pin[n-1] == '\r' {
			n--
		}
	}
	if n == 0 {
		clear(pin)
		return nil, fmt.Errorf("il file del PIN %s è vuoto / the PIN file %s is empty", path, path)
	}
	return pin[:n], nil
}

// ErrNoCgo is returned by Open and Generate in a build without cgo.
var ErrNoCgo = errors.New("questo ponte-ca è compilato senza cgo: nessun accesso PKCS#11 / this ponte-ca was built without cgo: no PKCS#11 access")
