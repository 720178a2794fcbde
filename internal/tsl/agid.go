package tsl

import (
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"sync"
)

// DefaultURL is where AgID publishes the Italian trusted list (the TSLLocation of the IT pointer in the
// EU list of trusted lists).
const DefaultURL = "https://eidas.agid.gov.it/TL/TSL-IT.xml"

// Territory is Italy's SchemeTerritory (§5.3.10, ISO 3166-1 alpha-2).
const Territory = "IT"

//go:embed agid-signers.pem
var agidPEM []byte

var agidOnce = sync.OnceValue(func() []*x509.Certificate {
	certs, err := ParsePEM(agidPEM)
	if err != nil {
		panic("tsl: embedded agid-signers.pem: " + err.Error())
	}
	return certs
})

// AgIDSigners are the pinned certificates AgID signs the Italian list with (source in agid-signers.pem).
func AgIDSigners() []*x509.Certificate { return agidOnce() }

// ParsePEM reads every CERTIFICATE block of a PEM text (comments and other blocks are skipped).
func ParsePEM(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out, nil
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}
