package cards

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/host/pcsc"
	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/protocol"
)

// seenToken is one initialised token found in a module.
type seenToken struct {
	ref   p11.SlotRef
	token *p11.Token
	info  p11.TokenInfo
	certs []p11.Certificate
	cand  p11.Candidate
}

// Cards scans every reader and every token and matches them.
func (s *Service) Cards(ctx context.Context) (protocol.CardsResult, *protocol.Error) {
	var res protocol.CardsResult
	var infos []*pcsc.CardInfo
	drivers := map[string]bool{}
	if pc, err := s.PCSC(); err == nil {
		names, err := pc.Readers()
		if err != nil && !isCode(err, protocol.ErrNoReader) && !isCode(err, protocol.ErrNoService) {
			return res, perr(err)
		}
		for _, name := range names {
			r := protocol.Reader{Name: name}
			info, err := pc.ReadCard(ctx, name)
			switch {
			case isCode(err, protocol.ErrNoCard):
			case err != nil:
				r.Card = &protocol.Card{ID: "reader:" + name, Problem: perr(err)}
			default:
				infos = append(infos, info)
				r.Card = fromPCSC(info)
				for _, d := range info.Identification.Drivers {
					drivers[d] = true
				}
			}
			res.Readers = append(res.Readers, r)
		}
	}

	tokens, moduleErr := s.scanTokens(drivers)
	matched := s.match(infos, tokens)

	next := map[string]*tokenRef{}
	for i := range res.Readers {
		c := res.Readers[i].Card
		if c == nil || c.Problem != nil {
			continue
		}
		t, ok := matched[res.Readers[i].Name]
		if !ok {
			if len(c.Family.Drivers) > 0 && moduleErr != nil {
				c.Problem = perr(moduleErr)
			}
			next[c.ID] = &tokenRef{reader: res.Readers[i].Name}
			continue
		}
		addToken(c, t)
		next[c.ID] = &tokenRef{reader: res.Readers[i].Name, token: t.token, module: t.ref.Module, driver: t.cand.Driver}
	}
	// Tokens with no PC/SC reader (a module's own slots, e.g. SoftHSM or a token named by
	// PONTE_PKCS11_MODULE) are cards too.
	for _, t := range tokens {
		if isMatched(matched, t) {
			continue
		}
		c := &protocol.Card{ID: strings.TrimSpace(t.info.Serial), Family: protocol.Family{Name: strings.TrimSpace(t.info.Manufacturer + " " + t.info.Model)}}
		addToken(c, t)
		name := strings.TrimSpace(t.ref.Description)
		res.Readers = append(res.Readers, protocol.Reader{Name: name, PINPad: t.info.ProtectedAuthPath, Card: c})
		next[c.ID] = &tokenRef{reader: name, token: t.token, module: t.ref.Module, driver: t.cand.Driver}
	}
	s.mu.Lock()
	s.tokens = next
	s.mu.Unlock()
	return res, nil
}

func isCode(err error, code protocol.Code) bool {
	var pe *pcsc.Error
	return errors.As(err, &pe) && pe.Code == code
}

func isMatched(m map[string]*seenToken, t *seenToken) bool {
	for _, v := range m {
		if v == t {
			return true
		}
	}
	return false
}

// scanTokens loads the modules for the families seen (or the overrides) and lists their tokens.
func (s *Service) scanTokens(drivers map[string]bool) ([]*seenToken, error) {
	var names []string
	for d := range drivers {
		names = append(names, d)
	}
	cands, err := s.Locator.Find(names...)
	if err != nil {
		return nil, err
	}
	var out []*seenToken
	var firstErr error
	for _, cand := range cands {
		mod, err := s.P11.Load(cand.Path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		slots, err := mod.Slots()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, ref := range p11.SlotRefs(mod, slots) {
			t := mod.Token(ref.ID)
			info, err := t.Info()
			if err != nil {
				continue
			}
			certs, _ := t.Certificates()
			out = append(out, &seenToken{ref: ref, token: t, info: info, certs: certs, cand: cand})
		}
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// match pairs PC/SC cards and tokens: a certificate present on both is the strongest evidence (the same
// card seen through two doors), then p11.MatchSlots (token serial = card id, slot description = reader
// name, or the only pair left).
func (s *Service) match(infos []*pcsc.CardInfo, tokens []*seenToken) map[string]*seenToken {
	out := map[string]*seenToken{}
	used := map[*seenToken]bool{}
	for _, info := range infos {
		for _, t := range tokens {
			if !used[t] && shareCert(info, t) {
				out[info.Reader], used[t] = t, true
				break
			}
		}
	}
	var readers []p11.ReaderRef
	for _, info := range infos {
		if _, ok := out[info.Reader]; !ok {
			readers = append(readers, p11.ReaderRef{Name: info.Reader, CardID: info.CardID})
		}
	}
	var slots []p11.SlotRef
	byRef := map[string]*seenToken{}
	for _, t := range tokens {
		if !used[t] {
			slots = append(slots, t.ref)
			byRef[fmt.Sprint(t.ref.Module, "#", t.ref.ID)] = t
		}
	}
	for _, m := range p11.MatchSlots(readers, slots) {
		if t, ok := byRef[fmt.Sprint(m.Module, "#", m.SlotID)]; ok {
			out[m.Reader] = t
		}
	}
	return out
}

func shareCert(info *pcsc.CardInfo, t *seenToken) bool {
	for _, f := range info.Certs {
		for _, c := range t.certs {
			if bytes.Equal(f.DER, c.DER) {
				return true
			}
		}
	}
	return false
}

// fromPCSC is the card as its files describe it.
func fromPCSC(info *pcsc.CardInfo) *protocol.Card {
	id := info.Identification
	c := &protocol.Card{
		ID:     info.CardID,
		Number: info.CardID, // what the official tools print next to the holder (seed 000)
		ATR:    hexUpper(info.ATR),
		Family: protocol.Family{
			Known: id.Known, Sigla: id.Sigla, Name: familyName(id), Maker: id.Maker, Chip: id.ICMaker,
			CNSVersion: id.CNSVersion, KeyBits: id.RSABits, Drivers: id.Drivers,
			NeedsPUK: id.Renewal.PUK, Reinsert: id.Renewal.Reinsert,
		},
	}
	if c.ID == "" {
		c.ID = "atr:" + c.ATR + "@" + info.Reader
	}
	if h := info.Holder; h != nil {
		c.Holder = &protocol.Holder{Surname: h.Surname, Name: h.Name, FiscalCode: h.CodiceFiscale,
			BirthDate: isoDate(h.BirthDate), Sex: h.Sex, IssueDate: isoDate(h.IssueDate), ExpiryDate: isoDate(h.ExpiryDate),
			Issuer: h.IssuerCode, BirthPlace: h.BirthMunicipality, FiscalCodeBad: h.CFWarning != ""}
	}
	for _, f := range info.Certs {
		x, err := x509.ParseCertificate(f.DER)
		if err != nil {
			continue
		}
		c.Certificates = append(c.Certificates, certificate(x, "", "", roleOf(p11.ClassifyCertificate(x)), false, false))
	}
	return c
}

func familyName(id cns.Identification) string {
	if id.Maker != "" {
		return id.Maker
	}
	if id.Kind != "" {
		return id.Kind
	}
	return id.Label
}

// addToken replaces the file view of the certificates with the token's (which knows the keys and CKA_IDs).
func addToken(c *protocol.Card, t *seenToken) {
	pin := t.info.PIN
	free := int64(-1)
	if t.info.FreePrivate.Known {
		free = int64(t.info.FreePrivate.Bytes)
	}
	driver := t.cand.Driver
	if driver == "" { // a module named by PONTE_PKCS11_MODULE or the configuration file
		driver = filepath.Base(t.ref.Module)
	}
	c.Token = &protocol.Token{Module: t.ref.Module, Driver: driver, Label: strings.TrimSpace(t.info.Label),
		Serial: strings.TrimSpace(t.info.Serial), FreeBytes: free, WriteProtected: t.info.WriteProtected,
		PIN: protocol.PINStatus{CountLow: pin.CountLow, FinalTry: pin.FinalTry, Locked: pin.Locked, PUKLocked: pin.SOLocked,
			PUKCountLow: pin.SOCountLow, PUKFinalTry: pin.SOFinalTry, PINPad: t.info.ProtectedAuthPath, MinLen: int(t.info.MinPINLen), MaxLen: int(t.info.MaxPINLen)}}
	if len(t.certs) == 0 {
		return
	}
	c.Certificates = nil
	for _, x := range t.certs {
		c.Certificates = append(c.Certificates, certificate(x.Cert, x.IDHex, x.Label, roleOf(x.Role), x.HasPrivateKey, x.AlwaysAuthenticate))
		if c.Holder == nil && x.Role == p11.RoleAuthentication {
			c.Holder = holderFromCertificate(x.Cert)
		}
	}
}

func roleOf(r p11.Role) string {
	switch r {
	case p11.RoleAuthentication:
		return "cns"
	case p11.RoleSignature:
		return "signature"
	}
	return "other"
}

func certificate(x *x509.Certificate, id, label, role string, hasKey, alwaysAuth bool) protocol.Certificate {
	kt, bits := p11.KeyTypeAndSize(x.PublicKey)
	return protocol.Certificate{ID: id, Role: role, Label: label, Subject: x.Subject.String(), Issuer: x.Issuer.String(),
		Serial: x.SerialNumber.Text(16), NotBefore: x.NotBefore.UTC().Format(time.RFC3339), NotAfter: x.NotAfter.UTC().Format(time.RFC3339),
		KeyType: kt, KeyBits: bits, DER: x.Raw, HasKey: hasKey, AlwaysAuthenticate: alwaysAuth}
}

// isoDate turns EF_DatiPersonali's DDMMYYYY into YYYY-MM-DD (as given when it is not a date).
func isoDate(s string) string {
	if t, ok := cns.Date(s); ok {
		return t.Format("2006-01-02")
	}
	return s
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// holderFromCertificate reads the holder from a CNS certificate subject when the card's own files cannot be
// read (a token reached only through PKCS#11): surname (2.5.4.4), given name (2.5.4.42) and the fiscal code
// in serialNumber (2.5.4.5, "TINIT-<codice fiscale>" per the CNS certificate profile).
func holderFromCertificate(x *x509.Certificate) *protocol.Holder {
	var h protocol.Holder
	for _, n := range x.Subject.Names {
		v, _ := n.Value.(string)
		switch {
		case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}):
			h.Surname = v
		case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 42}):
			h.Name = v
		case n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 5}):
			h.FiscalCode = strings.TrimPrefix(strings.TrimPrefix(v, "TINIT-"), "IT:")
		}
	}
	if h.Surname == "" && h.Name == "" {
		return nil
	}
	return &h
}
