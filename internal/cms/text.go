package cms

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// MaxTextEnvelope bounds a .p7m sent as text: it is decoded in memory (a binary envelope never is).
// Envelopes in base64 are invoices and letters, far below it.
const MaxTextEnvelope = 64 << 20

// pemTypes are the PEM labels of a CMS SignedData (RFC 7468 §9 "CMS"; "PKCS7" as OpenSSL writes it).
var pemTypes = map[string]bool{"CMS": true, "PKCS7": true, "PKCS #7 SIGNED DATA": true}

// DecodeText returns the binary envelope of a .p7m that was sent as text — PEM (RFC 7468) or bare
// base64 (RFC 4648 §4, lines of any length), as some mail systems and invoice channels deliver it —
// and true; a binary envelope (DER/BER starts with a SEQUENCE, 0x30) is returned as it is, with false.
func DecodeText(src docio.Source) (docio.Source, bool, error) {
	head, err := docio.ReadRange(src, docio.Range{Len: min(src.Size(), 64)})
	if err != nil {
		return nil, false, err
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] == 0x30 || !isBase64Text(head) && !bytes.HasPrefix(head, []byte("-----BEGIN ")) {
		return src, false, nil
	}
	if src.Size() > MaxTextEnvelope {
		return nil, false, signerr.New(signerr.BadCMS,
			fmt.Sprintf("Busta .p7m in formato testo (base64) troppo grande: oltre %d MB.", MaxTextEnvelope>>20),
			fmt.Sprintf("Text (base64) .p7m envelope too large: over %d MB.", MaxTextEnvelope>>20), errors.New("text envelope too large"))
	}
	text, err := docio.ReadRange(src, docio.Range{Len: src.Size()})
	if err != nil {
		return nil, false, err
	}
	if blk, _ := pem.Decode(text); blk != nil {
		if !pemTypes[blk.Type] {
			return nil, false, badCMS(fmt.Errorf("PEM block %q", blk.Type))
		}
		return docio.Bytes(blk.Bytes), true, nil
	}
	clean := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, false, badCMS(fmt.Errorf("base64: %w", err))
	}
	return docio.Bytes(der), true, nil
}

// isBase64Text: the start of a base64 encoding of a SEQUENCE ("M" encodes 0x30's first six bits),
// alphabet characters and line breaks only.
func isBase64Text(b []byte) bool {
	if b[0] != 'M' {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=',
			c == '\r', c == '\n':
		default:
			return false
		}
	}
	return true
}
