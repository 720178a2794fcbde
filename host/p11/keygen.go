package p11

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// KeyOptions describe a key pair to generate on the token.
type KeyOptions struct {
	Bits               int    // RSA modulus size; 0 means 2048
	Label              string // CKA_LABEL of both halves
	AlwaysAuthenticate bool   // CKA_ALWAYS_AUTHENTICATE on the private key (signature keys on a CNS)
}

// KeyPair is a freshly generated key pair.
type KeyPair struct {
	ID     []byte // CKA_ID shared by both halves, and by the certificate written for them
	Public *rsa.PublicKey
}

// idLen is the CKA_ID length: 20 bytes, the size OpenSC and most middlewares use (a SHA-1).
const idLen = 20

// GenerateRSA generates an RSA key pair on the token (C_GenerateKeyPair, CKM_RSA_PKCS_KEY_PAIR_GEN;
// PKCS#11 v2.40 Mechanisms §2.1.4) under a fresh random CKA_ID that no object on the token uses. The
// private key is a token object, private, sensitive, never extractable, and can sign. The user must be
// logged in.
func (t *Token) GenerateRSA(o KeyOptions) (*KeyPair, error) {
	if o.Bits == 0 {
		o.Bits = 2048
	}
	var kp KeyPair
	err := t.do("C_GenerateKeyPair", keyGenTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		id, err := freshID(ctx, sh)
		if err != nil {
			return err
		}
		pubT := []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY),
			ck.NewAttribute(ck.CKA_KEY_TYPE, ck.CKK_RSA),
			ck.NewAttribute(ck.CKA_TOKEN, true),
			ck.NewAttribute(ck.CKA_PRIVATE, false),
			ck.NewAttribute(ck.CKA_VERIFY, true),
			ck.NewAttribute(ck.CKA_MODULUS_BITS, o.Bits),
			ck.NewAttribute(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
			ck.NewAttribute(ck.CKA_ID, id),
			ck.NewAttribute(ck.CKA_LABEL, o.Label),
		}
		privT := []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY),
			ck.NewAttribute(ck.CKA_KEY_TYPE, ck.CKK_RSA),
			ck.NewAttribute(ck.CKA_TOKEN, true),
			ck.NewAttribute(ck.CKA_PRIVATE, true),
			ck.NewAttribute(ck.CKA_SENSITIVE, true),
			ck.NewAttribute(ck.CKA_EXTRACTABLE, false),
			ck.NewAttribute(ck.CKA_SIGN, true),
			ck.NewAttribute(ck.CKA_ID, id),
			ck.NewAttribute(ck.CKA_LABEL, o.Label),
		}
		if o.AlwaysAuthenticate {
			privT = append(privT, ck.NewAttribute(ck.CKA_ALWAYS_AUTHENTICATE, true))
		}
		pubH, _, err := ctx.GenerateKeyPair(sh, []*ck.Mechanism{ck.NewMechanism(ck.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)}, pubT, privT)
		if err != nil {
			return wrap("C_GenerateKeyPair", err, whoNone)
		}
		a, err := attrs(ctx, sh, pubH, ck.CKA_KEY_TYPE, ck.CKA_MODULUS, ck.CKA_PUBLIC_EXPONENT)
		if err != nil {
			return err
		}
		pub, ok := publicFromAttrs(a).(*rsa.PublicKey)
		if !ok {
			return fail("C_GenerateKeyPair", ErrFailed, "the token did not return the new public key")
		}
		kp = KeyPair{ID: id, Public: pub}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kp, nil
}

// freshID draws random CKA_IDs until one is unused (bounded: a collision of 160 random bits is not
// expected even once).
func freshID(ctx *ck.Ctx, sh ck.SessionHandle) ([]byte, error) {
	for range 8 {
		id := make([]byte, idLen)
		if _, err := rand.Read(id); err != nil {
			return nil, err
		}
		hs, err := findObjects(ctx, sh, []*ck.Attribute{ck.NewAttribute(ck.CKA_ID, id)})
		if err != nil {
			return nil, err
		}
		if len(hs) == 0 {
			return id, nil
		}
	}
	return nil, fail("C_GenerateKeyPair", ErrFailed, "no unused CKA_ID found")
}

// WriteCertificate stores a certificate as a token object bound to the key with the same CKA_ID
// (PKCS#11 v2.40 §4.6.3 X.509 certificate objects: CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE).
// It refuses a certificate whose public key is not that key's.
func (t *Token) WriteCertificate(der []byte, id []byte, label string) error {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return fail("C_CreateObject", ErrCertKeyMismatch, "not an X.509 certificate: %v", err)
	}
	return t.do("C_CreateObject", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		pub, err := publicKeyByID(ctx, sh, id)
		if err != nil {
			return err
		}
		if !samePublicKey(pub, c.PublicKey) {
			return fail("C_CreateObject", ErrCertKeyMismatch, "certificate key differs from key %x", id)
		}
		// The same certificate already on the key (another tab's renewal engine wrote it a moment ago) is not
		// written again: two CKO_CERTIFICATE objects with one CKA_VALUE would show the card as holding two
		// certificates. The lookup and the write run under the token's lock, so within one host they are atomic.
		same, err := findObjects(ctx, sh, []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_CERTIFICATE), ck.NewAttribute(ck.CKA_ID, id), ck.NewAttribute(ck.CKA_VALUE, der)})
		if err != nil || len(same) > 0 {
			return err
		}
		serial, err := asn1Integer(c.SerialNumber)
		if err != nil {
			return err
		}
		_, err = ctx.CreateObject(sh, []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_CERTIFICATE),
			ck.NewAttribute(ck.CKA_CERTIFICATE_TYPE, ck.CKC_X_509),
			ck.NewAttribute(ck.CKA_TOKEN, true),
			ck.NewAttribute(ck.CKA_PRIVATE, false),
			ck.NewAttribute(ck.CKA_ID, id),
			ck.NewAttribute(ck.CKA_LABEL, label),
			ck.NewAttribute(ck.CKA_SUBJECT, c.RawSubject),
			ck.NewAttribute(ck.CKA_ISSUER, c.RawIssuer),
			ck.NewAttribute(ck.CKA_SERIAL_NUMBER, serial),
			ck.NewAttribute(ck.CKA_VALUE, der),
		})
		return wrap("C_CreateObject", err, whoNone)
	})
}

func samePublicKey(a, b any) bool {
	x, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && x.Equal(b)
}

// DeleteOptions guard DeleteByID.
type DeleteOptions struct {
	// AllowLastKey lets the last private key with a valid certificate go (e.g. the user asked to wipe).
	AllowLastKey bool
	// Now is the time certificates are judged valid at (zero: time.Now).
	Now time.Time
}

// DeleteByID destroys every object with this CKA_ID (private key, public key, certificate; C_DestroyObject).
// It refuses (ErrLastKey) to remove a private key when no other private key on the token has a
// currently valid certificate: a renewal must never leave the card without a working key. Without the
// PIN login it cannot tell (ErrNotLoggedIn).
func (t *Token) DeleteByID(id []byte, o DeleteOptions) (deleted int, err error) {
	if len(id) == 0 {
		return 0, fail("C_DestroyObject", ErrNoSuchObject, "empty CKA_ID")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	err = t.do("C_DestroyObject", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		hs, err := findObjects(ctx, sh, []*ck.Attribute{ck.NewAttribute(ck.CKA_ID, id)})
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return fail("C_DestroyObject", ErrNoSuchObject, "no object with CKA_ID %x", id)
		}
		if !o.AllowLastKey {
			keys, err := t.judgeableKeys(ctx, sh)
			if err != nil {
				return err
			}
			deletingKey, otherUsable := false, false
			for _, k := range keys {
				if bytes.Equal(k.id, id) {
					deletingKey = true
				} else if ok, err := hasValidCert(ctx, sh, k.id, now); err != nil {
					return err
				} else if ok {
					otherUsable = true
				}
			}
			if deletingKey && !otherUsable {
				return fail("C_DestroyObject", ErrLastKey, "key %x is the only one with a valid certificate", id)
			}
		}
		for _, h := range hs {
			if err := ctx.DestroyObject(sh, h); err != nil {
				return wrap("C_DestroyObject", err, whoNone)
			}
			deleted++
		}
		return nil
	})
	return deleted, err
}

// judgeableKeys lists the private keys for the last-usable-key guard, which judges by all of them: on a
// session that sees none (the PIN login ended) it answers ErrNotLoggedIn. Taking the empty list at its word
// refused every delete as "the only usable key" — a renewal's rollback of its new key, after a login lost
// between two steps, while the old key and certificate were on the card all along. The session state is
// asked only then: keys the session sees are real whatever C_GetSessionInfo says (some modules report the
// state oddly, e.g. a public session while logged in), and judging by them never wrongly allows a delete.
func (t *Token) judgeableKeys(ctx *ck.Ctx, sh ck.SessionHandle) ([]keyRef, error) {
	keys, err := privateKeys(ctx, sh)
	if err == nil && len(keys) == 0 && !seesPrivateKeys(ctx, t.SlotID, sh) {
		return nil, errLoggedOut("C_DestroyObject", "the last usable key cannot be told")
	}
	return keys, err
}

func hasValidCert(ctx *ck.Ctx, sh ck.SessionHandle, id []byte, now time.Time) (bool, error) {
	if len(id) == 0 {
		return false, nil
	}
	certs, err := certsByID(ctx, sh, id)
	for _, c := range certs {
		if !now.Before(c.NotBefore) && !now.After(c.NotAfter) {
			return true, nil
		}
	}
	return false, err
}

// certsByID reads the X.509 certificates with this CKA_ID (unparsable ones are skipped).
func certsByID(ctx *ck.Ctx, sh ck.SessionHandle, id []byte) ([]*x509.Certificate, error) {
	hs, err := findObjects(ctx, sh, []*ck.Attribute{
		ck.NewAttribute(ck.CKA_CLASS, ck.CKO_CERTIFICATE), ck.NewAttribute(ck.CKA_ID, id)})
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, h := range hs {
		a, err := attrs(ctx, sh, h, ck.CKA_VALUE)
		if err != nil {
			return nil, err
		}
		if c, err := x509.ParseCertificate(a[ck.CKA_VALUE]); err == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// asn1Integer is the DER INTEGER CKA_SERIAL_NUMBER holds (PKCS#11 v2.40 §4.6.3: "DER-encoding of the
// serial number").
func asn1Integer(n *big.Int) ([]byte, error) { return asn1.Marshal(n) }

// KeyAttributes are the protection attributes of a private key (PKCS#11 v2.40 §4.9 table 36).
type KeyAttributes struct {
	Label              string `json:"label"`
	Token              bool   `json:"token"`
	Private            bool   `json:"private"`
	Sensitive          bool   `json:"sensitive"`
	AlwaysSensitive    bool   `json:"always_sensitive"`
	Extractable        bool   `json:"extractable"`
	NeverExtractable   bool   `json:"never_extractable"`
	Local              bool   `json:"local"` // generated on the token
	Sign               bool   `json:"sign"`
	AlwaysAuthenticate bool   `json:"always_authenticate"`
}

// PrivateKeyAttributes reads the protection attributes of the private key with this CKA_ID.
func (t *Token) PrivateKeyAttributes(id []byte) (KeyAttributes, error) {
	var ka KeyAttributes
	err := t.do("C_GetAttributeValue", callTime, func(sh ck.SessionHandle) error {
		k, err := t.keyByID(t.mod.ctx, sh, id)
		if err != nil {
			return err
		}
		a, err := attrs(t.mod.ctx, sh, k.h, ck.CKA_LABEL, ck.CKA_TOKEN, ck.CKA_PRIVATE, ck.CKA_SENSITIVE,
			ck.CKA_ALWAYS_SENSITIVE, ck.CKA_EXTRACTABLE, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_LOCAL,
			ck.CKA_SIGN, ck.CKA_ALWAYS_AUTHENTICATE)
		if err != nil {
			return err
		}
		ka = KeyAttributes{
			Label: string(a[ck.CKA_LABEL]), Token: boolAttr(a[ck.CKA_TOKEN]), Private: boolAttr(a[ck.CKA_PRIVATE]),
			Sensitive: boolAttr(a[ck.CKA_SENSITIVE]), AlwaysSensitive: boolAttr(a[ck.CKA_ALWAYS_SENSITIVE]),
			Extractable: boolAttr(a[ck.CKA_EXTRACTABLE]), NeverExtractable: boolAttr(a[ck.CKA_NEVER_EXTRACTABLE]),
			Local: boolAttr(a[ck.CKA_LOCAL]), Sign: boolAttr(a[ck.CKA_SIGN]),
			AlwaysAuthenticate: boolAttr(a[ck.CKA_ALWAYS_AUTHENTICATE]),
		}
		return nil
	})
	return ka, err
}
