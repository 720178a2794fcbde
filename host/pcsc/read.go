package pcsc

import (
	"context"
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/internal/cns"
)

// CardInfo is what a card tells without PIN.
type CardInfo struct {
	Reader         string             `json:"reader"`
	ATR            []byte             `json:"atr"`
	Identification cns.Identification `json:"identification"`
	CardID         string             `json:"cardId,omitempty"`
	CardIDError    string             `json:"cardIdError,omitempty"`
	Holder         *cns.Holder        `json:"holder,omitempty"`
	HolderError    string             `json:"holderError,omitempty"`
	Certs          []Cert             `json:"certs,omitempty"`
	// PINTries is what the card says of its CNS PIN's tries left (Card.PINTries), -1 when it does not
	// say; PINVerified that the PIN is already verified in the card's current session.
	PINTries    int  `json:"pinTries"`
	PINVerified bool `json:"pinVerified,omitempty"`
}

// Cert is a certificate file read from the card.
type Cert struct {
	Path string `json:"path"` // e.g. 3F0011001101
	Role string `json:"role"` // "authentication" (CNS0) or "signature" (CNS1)
	DER  []byte `json:"der"`
}

// certFiles are the certificate files of a CNS (OpenSC pkcs15-itacns.c; CARDS.md).
var certFiles = []struct {
	path []uint16
	role string
}{
	{cns.PathCertCNS0, "authentication"},
	{cns.PathCertCNS1, "signature"},
	{cns.PathCertCNS1IDEMIA, "signature"},
}

// ReadCard reads what any application may read from the card in reader: ATR and family, EF_IDCarta,
// EF_DatiPersonali and the certificate files. A file the card does not have, or cannot parse, is
// reported in the CardInfo and the rest is still read; a card removed mid-way fails the whole read
// with ErrCardRemoved.
func (c *Context) ReadCard(ctx context.Context, reader string) (*CardInfo, error) {
	info := &CardInfo{Reader: reader, PINTries: -1}
	err := c.Transact(ctx, reader, func(card *Card) error {
		atr, err := card.ATR()
		if err != nil {
			return err
		}
		info.ATR = atr
		info.Identification = cns.Identify(atr)

		var files []string // the CNS files the card answered with: evidence for a card the ATR leaves unknown
		b, err := card.ReadFile(cns.PathIDCarta)
		if stop(err) {
			return err
		}
		if err != nil {
			info.CardIDError = fileError("EF_IDCarta", err)
		} else if info.CardID, err = cns.ParseIDCarta(b); err != nil {
			info.CardIDError = err.Error()
		} else {
			files = append(files, "EF_IDCarta")
		}

		b, err = card.ReadFile(cns.PathDatiPersonali)
		if stop(err) {
			return err
		}
		if err != nil {
			info.HolderError = fileError("EF_DatiPersonali", err)
		} else if h, err := cns.ParseDatiPersonali(b); err != nil {
			info.HolderError = err.Error()
		} else {
			info.Holder = &h
			files = append(files, "EF_DatiPersonali")
		}

		for _, f := range certFiles {
			b, err := card.ReadFile(f.path)
			if stop(err) {
				return err
			}
			if err == nil && len(b) > 0 {
				info.Certs = append(info.Certs, Cert{Path: pathHex(f.path), Role: f.role, DER: b})
				files = append(files, "EF "+pathHex(f.path))
			}
		}
		info.Identification = info.Identification.WithEvidence(cns.Evidence{Files: files})
		key := hexKey(atr, info.CardID)
		if info.Identification.Kind == "CNS" && c.queryTries(key, false) {
			// From the MF, where the global PIN reference is resolved on every CNS.
			if _, err := card.SelectPath(cns.PathMF); stop(err) {
				return err
			}
			info.PINTries, info.PINVerified, err = card.PINTries(info.Identification.PINReference())
			if stop(err) {
				return err
			}
			if err == nil && info.PINTries < 0 && !info.PINVerified {
				c.queryTries(key, true)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// stop tells the errors that end a read (PC/SC failures: removal, reader gone) from a status word about
// one file.
func hexKey(atr []byte, cardID string) string { return fmt.Sprintf("%X/%s", atr, cardID) }

func stop(err error) bool {
	var se *StatusError
	return err != nil && !errors.As(err, &se)
}

func fileError(name string, err error) string {
	if errors.Is(err, ErrFileNotFound) {
		return name + " non presente sulla tessera / " + name + " not present on the card"
	}
	return name + " illeggibile / " + name + " unreadable: " + err.Error()
}

func pathHex(p []uint16) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 4*len(p))
	for _, f := range p {
		out = append(out, digits[f>>12], digits[f>>8&0xF], digits[f>>4&0xF], digits[f&0xF])
	}
	return string(out)
}
