package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// health is the answer of GET /healthz: "ok" or what failed, per check.
type health struct {
	Status   string `json:"status"` // ok or failing
	Database string `json:"database"`
	Key      string `json:"key"`
}

// serveHealth answers 200 when the database runs a query and the CA key makes a signature that
// verifies with the CA certificate (in an HSM: the token is there, logged in and signing), 503
// otherwise, so that a load balancer sends no request to an instance that could not answer it. The key's
// check is at most keyCheckFor old.
func (c *CA) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	h := health{Status: "ok", Database: result(c.Store.Ping(ctx)), Key: result(c.keyHealth.check(c.checkKey))}
	code := http.StatusOK
	if h.Database != "ok" || h.Key != "ok" {
		h.Status, code = "failing", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(h)
}

// keyCheckFor is how long one check of the CA key answers /healthz: a load balancer polling every
// instance, or anyone flooding /healthz, makes the key (an HSM: a token shared with the issuance) sign
// at most once a second per instance, not once per request.
const keyCheckFor = time.Second

// keyHealth is the last check of the CA key: requests within keyCheckFor of it share its result, and
// requests arriving during a check wait for it rather than start another.
type keyHealth struct {
	mu  sync.Mutex
	at  time.Time
	err error
	now func() time.Time // time.Now; the tests move it
}

func (k *keyHealth) check(sign func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now
	if k.now != nil {
		now = k.now
	}
	if t := now(); k.at.IsZero() || t.Sub(k.at) >= keyCheckFor || t.Before(k.at) {
		k.err, k.at = sign(), t
	}
	return k.err
}

func result(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// checkKey signs a fresh digest with the CA key and verifies it with the CA certificate's public key.
func (c *CA) checkKey() error {
	msg := fmt.Appendf(nil, "ponte-ca healthz %d", time.Now().UnixNano())
	digest := sha256.Sum256(msg)
	sig, err := c.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return err
	}
	switch pub := c.Cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return errors.New("la firma della chiave della CA non si verifica / the CA key's signature does not verify")
		}
		return nil
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
	return fmt.Errorf("chiave della CA di tipo %T non controllabile / CA key of type %T cannot be checked", c.Cert.PublicKey, c.Cert.PublicKey)
}
