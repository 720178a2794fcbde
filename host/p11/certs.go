package p11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"time"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// PolicyCNS is the certificate policy of CNS authentication certificates (AgID, "Profilo di certificato
// digitale per l'autenticazione mediante Carta Nazionale dei Servizi"; CARDS.md).
var PolicyCNS = asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}

// Role is what a certificate on a card is for.
type Role string

const (
	// RoleAuthentication is the CNS certificate: TLS client login to public administration portals. A
	// signature with it is not a qualified signature.
	RoleAuthentication Role = "authentication"
	// RoleSignature is the qualified signature certificate (keyUsage nonRepudiation).
	RoleSignature Role = "signature"
	// RoleOther is anything else (CA certificates, unknown profiles).
	RoleOther Role = "other"
)

// ClassifyCertificate gives a certificate's role: the CNS policy wins, then keyUsage nonRepudiation
// (RFC 5280 §4.2.1.3 contentCommitment), else other.
func ClassifyCertificate(c *x509.Certificate) Role {
	for _, p := range c.PolicyIdentifiers {
		if p.Equal(PolicyCNS) {
			return RoleAuthentication
		}
	}
	if c.KeyUsage&x509.KeyUsageContentCommitment != 0 && !c.IsCA {
		return RoleSignature
	}
	return RoleOther
}

// Certificate is one certificate object on a token, with what the UI and the renewal need to know.
type Certificate struct {
	ID                 []byte            `json:"-"`
	IDHex              string            `json:"id"` // CKA_ID, hex
	Label              string            `json:"label"`
	Role               Role              `json:"role"`
	Subject            string            `json:"subject"`
	Issuer             string            `json:"issuer"`
	Serial             string            `json:"serial"`
	KeyType            string            `json:"key_type"` // RSA, ECDSA, Ed25519
	KeyBits            int               `json:"key_bits"`
	NotBefore          time.Time         `json:"not_before"`
	NotAfter           time.Time         `json:"not_after"`
	HasPrivateKey      bool              `json:"has_private_key"`     // a private key with the same CKA_ID is visible
	AlwaysAuthenticate bool              `json:"always_authenticate"` // that key needs the PIN for every signature
	DER                []byte            `json:"-"`
	Cert               *x509.Certificate `json:"-"`
}

// KeyTypeAndSize names a public key's algorithm and size in bits.
func KeyTypeAndSize(pub any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return "unknown", 0
}

// maxObjects bounds every object search: a token answering endlessly must not keep us looping.
const maxObjects = 4096

func findObjects(ctx *ck.Ctx, sh ck.SessionHandle, tmpl []*ck.Attribute) ([]ck.ObjectHandle, error) {
	if err := ctx.FindObjectsInit(sh, tmpl); err != nil {
		return nil, wrap("C_FindObjectsInit", err, whoNone)
	}
	var out []ck.ObjectHandle
	var ferr error
	for len(out) < maxObjects {
		objs, _, err := ctx.FindObjects(sh, 64)
		if err != nil {
			ferr = wrap("C_FindObjects", err, whoNone)
			break
		}
		if len(objs) == 0 {
			break
		}
		out = append(out, objs...)
	}
	if err := ctx.FindObjectsFinal(sh); err != nil && ferr == nil {
		ferr = wrap("C_FindObjectsFinal", err, whoNone)
	}
	return out, ferr
}

// attrs reads attributes one at a time, so an attribute the token refuses (sensitive, unknown) reads as
// absent instead of failing the whole template (PKCS#11 v2.40 §5.7 C_GetAttributeValue).
func attrs(ctx *ck.Ctx, sh ck.SessionHandle, o ck.ObjectHandle, types ...uint) (map[uint][]byte, error) {
	out := map[uint][]byte{}
	for _, ty := range types {
		a, err := ctx.GetAttributeValue(sh, o, []*ck.Attribute{ck.NewAttribute(ty, nil)})
		if err != nil {
			if k := kindOf(rvOf(err), whoNone); k == ErrCardRemoved || k == ErrModuleFailed {
				return nil, wrap("C_GetAttributeValue", err, whoNone)
			}
			continue
		}
		if len(a) == 1 {
			out[ty] = a[0].Value
		}
	}
	return out, nil
}

func boolAttr(v []byte) bool { return len(v) > 0 && v[0] != 0 }

// Certificates lists the X.509 certificates on the token with their roles. Private keys that the token
// shows (most hide them until login) are matched by CKA_ID.
func (t *Token) Certificates() ([]Certificate, error) {
	var out []Certificate
	err := t.do("list certificates", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		certs, err := findObjects(ctx, sh, []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_CERTIFICATE),
			ck.NewAttribute(ck.CKA_CERTIFICATE_TYPE, ck.CKC_X_509),
		})
		if err != nil {
			return err
		}
		keys, err := privateKeys(ctx, sh)
		if err != nil {
			return err
		}
		for _, h := range certs {
			a, err := attrs(ctx, sh, h, ck.CKA_ID, ck.CKA_LABEL, ck.CKA_VALUE)
			if err != nil {
				return err
			}
			c, perr := x509.ParseCertificate(a[ck.CKA_VALUE])
			if perr != nil {
				continue // not a certificate we can read: nothing the user can do with it
			}
			kt, bits := KeyTypeAndSize(c.PublicKey)
			cert := Certificate{
				ID: a[ck.CKA_ID], IDHex: hex.EncodeToString(a[ck.CKA_ID]), Label: string(a[ck.CKA_LABEL]),
				Role: ClassifyCertificate(c), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
				Serial: c.SerialNumber.Text(16), KeyType: kt, KeyBits: bits, NotBefore: c.NotBefore, NotAfter: c.NotAfter,
				DER: a[ck.CKA_VALUE], Cert: c,
			}
			for _, k := range keys {
				if len(cert.ID) > 0 && bytes.Equal(k.id, cert.ID) {
					cert.HasPrivateKey, cert.AlwaysAuthenticate = true, k.alwaysAuth
				}
			}
			out = append(out, cert)
		}
		if len(out) == 0 {
			return fail("list certificates", ErrNoSuchObject, "no certificates") // confirmed below
		}
		return nil
	})
	if errors.Is(err, ErrNoSuchObject) {
		return nil, nil // the token is there (do confirmed it) and simply holds no certificate
	}
	return out, err
}

type keyRef struct {
	h          ck.ObjectHandle
	id         []byte
	alwaysAuth bool
	keyType    uint
}

// seesPrivateKeys tells whether session sh sees the token's private keys: private objects are visible
// only to a session logged in as the user (PKCS#11 v2.40 §4.4 CKA_PRIVATE, §5.6 session states), unless
// the token needs no login at all (CKF_LOGIN_REQUIRED clear). A public or SO session sees none, which is
// not the same as the token holding none. A module that cannot say (C_GetSessionInfo fails) is taken to
// see them, as before this check.
func seesPrivateKeys(ctx *ck.Ctx, slot uint, sh ck.SessionHandle) bool {
	state, err := ck.SessionState(ctx, sh)
	if err != nil || state == ck.CKS_RO_USER_FUNCTIONS || state == ck.CKS_RW_USER_FUNCTIONS {
		return true
	}
	ti, err := ctx.GetTokenInfo(slot)
	return err != nil || ti.Flags&ck.CKF_LOGIN_REQUIRED == 0
}

// errLoggedOut is the answer of an operation that must see the private keys on a session that cannot: the
// PIN login ended (a logout, a card-removed event, an idle timeout) and the PIN is needed again.
func errLoggedOut(op, what string) error {
	return fail(op, ErrNotLoggedIn, "%s: the token shows no private key without the PIN login (log in again)", what)
}

func privateKeys(ctx *ck.Ctx, sh ck.SessionHandle) ([]keyRef, error) {
	hs, err := findObjects(ctx, sh, []*ck.Attribute{ck.NewAttribute(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY)})
	if err != nil {
		return nil, err
	}
	out := make([]keyRef, 0, len(hs))
	for _, h := range hs {
		a, err := attrs(ctx, sh, h, ck.CKA_ID, ck.CKA_ALWAYS_AUTHENTICATE, ck.CKA_KEY_TYPE)
		if err != nil {
			return nil, err
		}
		out = append(out, keyRef{h: h, id: a[ck.CKA_ID], alwaysAuth: boolAttr(a[ck.CKA_ALWAYS_AUTHENTICATE]), keyType: ulong(a[ck.CKA_KEY_TYPE])})
	}
	return out, nil
}

// ulong decodes a CK_ULONG attribute value (native byte order, as the module wrote it).
func ulong(b []byte) uint {
	var v uint
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint(b[i])
	}
	return v
}
