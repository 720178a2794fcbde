//go:build !cgo

package hsm

import (
	"crypto"
	"io"
)

// Key is a CA key on a token; without cgo there is none.
type Key struct{}

// Open needs cgo (github.com/miekg/pkcs11).
func Open(Config, []byte) (*Key, error) { return nil, ErrNoCgo }

// Generate needs cgo (github.com/miekg/pkcs11).
func Generate(Config, []byte) (*Key, error) { return nil, ErrNoCgo }

func (*Key) Public() crypto.PublicKey                                  { return nil }
func (*Key) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, ErrNoCgo }
func (*Key) Destroy() error                                            { return ErrNoCgo }
func (*Key) Close() error                                              { return nil }
