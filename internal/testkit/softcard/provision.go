package softcard

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ponte-it/ponte/host/p11"
)

// Config describes the card to make.
type Config struct {
	Module string // libsofthsm2 path; SOFTHSM2_CONF must already point at the token directory
	Holder Holder
	PIN    []byte // user PIN
	PUK    []byte // PUK, which is the token's SO PIN
	Issuer Issuer
	// OutDir, when set, receives the certificates for the virtual PC/SC card (cns0.der: authentication,
	// EF 3F00 1100 1101; cns1.der: signature, EF 3F00 1400 9010) and card.json (no PIN in it).
	OutDir  string
	KeyBits int // 0: 2048
	// SignatureNoAlwaysAuth leaves CKA_ALWAYS_AUTHENTICATE off the signature key (on by default, as on
	// the qualified signature key of real cards).
	SignatureNoAlwaysAuth bool
	// CNSOnly provisions the authentication key and certificate only: a card whose signature
	// certificate was never loaded (signing then falls back to the CNS certificate, with a warning).
	CNSOnly bool
	// SignatureKeyBits is the signature key's RSA size when set (e.g. 1024 for a card with a weak key,
	// which SoftHSM still generates); 0: KeyBits.
	SignatureKeyBits int
}

// Key labels as OpenSC's itacns driver names the two key sets of a CNS.
const (
	LabelAuthentication = "CNS0"
	LabelSignature      = "CNS1"
)

// Card is what Provision made.
type Card struct {
	Holder   Holder `json:"holder"`
	Label    string `json:"label"`
	Serial   string `json:"serial"`  // token serial (SoftHSM chooses it)
	SlotID   uint   `json:"-"`       // valid only until the module is initialised again
	AuthID   string `json:"auth_id"` // CKA_ID, hex
	SignID   string `json:"sign_id"`
	AuthCert []byte `json:"-"`
	SignCert []byte `json:"-"`
}

// Provision initialises the first free token of the module as the holder's TS-CNS: label, PUK as SO PIN,
// user PIN, then the authentication and signature key pairs generated on the token, their certificates
// from the issuer written next to them (same CKA_ID).
func Provision(m *p11.Manager, c Config) (*Card, error) {
	if err := c.Holder.Validate(); err != nil {
		return nil, err
	}
	if c.Issuer == nil || len(c.PIN) == 0 || len(c.PUK) == 0 {
		return nil, fmt.Errorf("softcard: issuer, PIN and PUK are required")
	}
	mod, err := m.Load(c.Module)
	if err != nil {
		return nil, err
	}
	slots, err := mod.Slots()
	if err != nil {
		return nil, err
	}
	free, known := -1, map[string]bool{}
	for i, s := range slots {
		if s.Token == nil {
			continue
		}
		if s.Token.Initialized {
			known[s.Token.Serial] = true
		} else if free < 0 {
			free = i
		}
	}
	if free < 0 {
		return nil, fmt.Errorf("softcard: no free token in %s", c.Module)
	}
	label := c.Holder.Label()
	if err := mod.InitToken(slots[free].ID, c.PUK, label); err != nil {
		return nil, err
	}
	// SoftHSM moves an initialised token to a new slot ID: find it again by label and new serial.
	slots, err = mod.Slots()
	if err != nil {
		return nil, err
	}
	card := &Card{Holder: c.Holder, Label: label}
	found := false
	for _, s := range slots {
		if s.Token != nil && s.Token.Initialized && s.Token.Label == label && !known[s.Token.Serial] {
			card.SlotID, card.Serial, found = s.ID, s.Token.Serial, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("softcard: the initialised token %q did not appear", label)
	}
	tok := mod.Token(card.SlotID)
	defer tok.Close()
	if _, err := tok.UnblockPIN(c.PUK, c.PIN); err != nil { // SO login + C_InitPIN sets the first PIN
		return nil, err
	}
	if _, _, err := tok.Login(c.PIN); err != nil {
		return nil, err
	}
	defer tok.Logout()
	subject := c.Holder.Subject()
	var ids [2][]byte
	var ders [2][]byte
	for i, k := range []struct {
		role, label string
		always      bool
	}{
		{RoleAuthentication, LabelAuthentication, false},
		{RoleSignature, LabelSignature, !c.SignatureNoAlwaysAuth},
	} {
		if k.role == RoleSignature && c.CNSOnly {
			break // the signature key set is the last
		}
		bits := c.KeyBits
		if k.role == RoleSignature && c.SignatureKeyBits != 0 {
			bits = c.SignatureKeyBits
		}
		kp, err := tok.GenerateRSA(p11.KeyOptions{Bits: bits, Label: k.label, AlwaysAuthenticate: k.always})
		if err != nil {
			return nil, fmt.Errorf("softcard: %s key: %w", k.role, err)
		}
		der, err := c.Issuer(kp.Public, subject, k.role)
		if err != nil {
			return nil, fmt.Errorf("softcard: issuing the %s certificate: %w", k.role, err)
		}
		if err := tok.WriteCertificate(der, kp.ID, k.label); err != nil {
			return nil, err
		}
		ids[i], ders[i] = kp.ID, der
	}
	card.AuthID, card.SignID = hex.EncodeToString(ids[0]), hex.EncodeToString(ids[1]) // SignID "" when CNSOnly
	card.AuthCert, card.SignCert = ders[0], ders[1]
	if c.OutDir != "" {
		if err := card.write(c.OutDir); err != nil {
			return nil, err
		}
	}
	return card, nil
}

func (card *Card) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(card, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{"cns0.der": card.AuthCert, "cns1.der": card.SignCert, "card.json": append(j, '\n')}
	if card.SignCert == nil {
		delete(files, "cns1.der") // a CNS-only card
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteCACert writes a CA certificate as ca.pem in dir (for verifiers and the virtual card's users).
func WriteCACert(dir string, c *x509.Certificate) error {
	return os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
}

// WriteSoftHSMConfig creates dir/tokens and dir/softhsm2.conf pointing at it, and returns the
// configuration path to put in SOFTHSM2_CONF (read by SoftHSM at C_Initialize).
func WriteSoftHSMConfig(dir string) (string, error) {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := strings.Join([]string{
		"directories.tokendir = " + tokens,
		"objectstore.backend = file",
		"log.level = ERROR",
		"slots.removable = true", // real cards sit in removable slots
		"",
	}, "\n")
	return conf, os.WriteFile(conf, []byte(body), 0o600)
}
