package cards

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	var drivers []string // the families' drivers, in reader order and each family's order
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
				drivers = append(drivers, info.Identification.Drivers...)
			}
			res.Readers = append(res.Readers, r)
		}
	}

	tokens, moduleErr := s.scanTokens(drivers)
	var names []string
	for _, r := range res.Readers {
		names = append(names, r.Name)
	}
	matched := s.match(infos, tokens, names)

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
		cardTries(c.Token, infoOf(infos, res.Readers[i].Name))
		if c.Family.Match == cns.MatchUnknown {
			c.Family = familyOf(infoOf(infos, res.Readers[i].Name).Identification.WithEvidence(tokenEvidence(t)), runtime.GOOS, runtime.GOARCH)
		}
		next[c.ID] = &tokenRef{reader: res.Readers[i].Name, token: t.token, module: t.ref.Module, driver: t.cand.Driver}
	}
	// Tokens with no PC/SC reader (a module's own slots, e.g. SoftHSM or a token named by
	// PONTE_PKCS11_MODULE) are cards too.
	for i, t := range tokens {
		if isMatched(matched, t) || seenBefore(matched, tokens[:i], t) {
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

// cardTries adds what the card said of its PIN's tries over PC/SC to the token's flags: the number, and
// a blocked PIN (63C0 or 6983) even when the module's flags lag behind.
func cardTries(tok *protocol.Token, info *pcsc.CardInfo) {
	switch {
	case info.PINTries > 0:
		tok.PIN.Tries = info.PINTries
	case info.PINTries == 0:
		tok.PIN.Locked = true
	}
}

// tokenEvidence is what a token says of the card (CK_TOKEN_INFO), for a card the ATR did not identify.
func tokenEvidence(t *seenToken) cns.Evidence {
	return cns.Evidence{TokenManufacturer: t.info.Manufacturer, TokenModel: t.info.Model, TokenLabel: t.info.Label}
}

func infoOf(infos []*pcsc.CardInfo, reader string) *pcsc.CardInfo {
	for _, info := range infos {
		if info.Reader == reader {
			return info
		}
	}
	return &pcsc.CardInfo{PINTries: -1} // not told: never read as a blocked PIN (0)
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

// seenBefore tells a token that another module already showed: the same card through a second
// middleware (same serial and label, or a certificate in common) is listed once, by the module that
// came first in the search order or that the card's reader was matched with.
func seenBefore(matched map[string]*seenToken, earlier []*seenToken, t *seenToken) bool {
	same := func(o *seenToken) bool {
		if o.cand.Path == t.cand.Path {
			return false
		}
		if serial := strings.TrimSpace(t.info.Serial); serial != "" && strings.TrimSpace(o.info.Serial) == serial &&
			strings.TrimSpace(o.info.Label) == strings.TrimSpace(t.info.Label) {
			return true
		}
		for _, a := range o.certs {
			for _, b := range t.certs {
				if bytes.Equal(a.DER, b.DER) {
					return true
				}
			}
		}
		return false
	}
	for _, o := range matched {
		if same(o) {
			return true
		}
	}
	for _, o := range earlier {
		if same(o) {
			return true
		}
	}
	return false
}

// scanTokens loads every installed module of the driver table, the families' preferred drivers first
// (or only the overrides), and lists their tokens in that order: the module that sees a card is the
// one used for it, whatever the family's row prefers.
func (s *Service) scanTokens(preferred []string) ([]*seenToken, error) {
	cands, err := s.Locator.FindAll(preferred...)
	if err != nil {
		return nil, err
	}
	var out []*seenToken
	var firstErr error
	for _, cand := range cands {
		if cand.Source == "driver" && !slices.Contains(preferred, cand.Driver) && !s.loadsInChild(cand.Path) {
			continue
		}
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

// loadsInChild tells a module that no card's family asked for, loaded only because the search tries every
// installed driver, whether it loads in a child process first (p11.ProbeSubprocess), once per host run: a
// module that crashes in C_Initialize (PKCS#11 code runs in our process, p11.Manager) would otherwise
// take the whole card list down with it, for a card that never needed it.
func (s *Service) loadsInChild(path string) bool {
	s.mu.Lock()
	ok, done := s.probed[path]
	s.mu.Unlock()
	if done {
		return ok
	}
	exe, err := os.Executable()
	ok = err == nil && p11.ProbeSubprocess(context.Background(), exe, path, probeTimeout).Loads
	s.mu.Lock()
	if s.probed == nil {
		s.probed = map[string]bool{}
	}
	s.probed[path] = ok
	s.mu.Unlock()
	return ok
}

// match pairs PC/SC cards and tokens: a certificate present on both is the strongest evidence (the same
// card seen through two doors), then p11.MatchSlots (token serial = card id, slot description = reader
// name, or the only pair left, unless the two contradict each other). readers names every PC/SC reader.
func (s *Service) match(infos []*pcsc.CardInfo, tokens []*seenToken, readers []string) map[string]*seenToken {
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
	// One module at a time, in search order: two middlewares seeing the same card would make every
	// piece of evidence ambiguous if their slots were pooled.
	var modules []string
	for _, t := range tokens {
		if len(modules) == 0 || modules[len(modules)-1] != t.ref.Module {
			modules = append(modules, t.ref.Module)
		}
	}
	for _, mod := range modules {
		var free []p11.ReaderRef
		for _, info := range infos {
			if _, ok := out[info.Reader]; !ok {
				free = append(free, p11.ReaderRef{Name: info.Reader, CardID: info.CardID})
			}
		}
		var slots []p11.SlotRef
		byRef := map[string]*seenToken{}
		for _, t := range tokens {
			if !used[t] && t.ref.Module == mod {
				slots = append(slots, t.ref)
				byRef[fmt.Sprint(t.ref.Module, "#", t.ref.ID)] = t
			}
		}
		for _, m := range p11.MatchSlots(free, slots) {
			t, ok := byRef[fmt.Sprint(m.Module, "#", m.SlotID)]
			// By elimination only when nothing speaks against it, and never a second view of a card
			// already matched to another reader (the same card through a second middleware).
			if ok && (m.By != "only" || !contradicts(infoOf(infos, m.Reader), t, readers) && !seenBefore(out, nil, t)) {
				out[m.Reader], used[t] = t, true
			}
		}
	}
	return out
}

// contradicts tells a card and a token that cannot be the same card, for a pairing by elimination alone
// (the search loads every installed module, so the one token left may well be another card's or a
// module's own): both show certificates and none is shared (a CNS's certificate files are readable
// without a PIN over PC/SC and public objects on its token), or the token's slot names another reader.
func contradicts(info *pcsc.CardInfo, t *seenToken, readers []string) bool {
	if len(info.Certs) > 0 && len(t.certs) > 0 && !shareCert(info, t) {
		return true
	}
	for _, r := range readers {
		if r != info.Reader && p11.SameReaderName(r, t.ref.Description) && !p11.SameReaderName(info.Reader, t.ref.Description) {
			return true
		}
	}
	return false
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
		Family: familyOf(id, runtime.GOOS, runtime.GOARCH),
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

// familyOf is the protocol's view of an identification, with the portal's package and the renewal
// driver for this operating system.
func familyOf(id cns.Identification, goos, goarch string) protocol.Family {
	fam := protocol.Family{
		Known: id.Known, Sigla: id.Sigla, Name: familyName(id), Maker: id.Maker, Chip: id.ICMaker,
		CNSVersion: id.CNSVersion, KeyBits: id.RSABits, Drivers: id.Drivers,
		NeedsPUK: id.Renewal.PUK, Reinsert: id.Renewal.Reinsert, Match: id.Match, Evidence: id.Evidence,
	}
	if f, ok := cns.FamilyByID(id.FamilyID); ok {
		fam.Package, fam.RenewalDriver = f.PortalPackage(goos, goarch), f.RenewalDriverFor(goos)
	}
	return fam
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
