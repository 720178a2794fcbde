package p11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// digestInfoPrefix is the DER of DigestInfo up to the digest for each hash (RFC 8017 §9.2 note 1).
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// DigestInfo wraps a digest as RFC 8017 §9.2 step 2 does, for CKM_RSA_PKCS (which pads but does not
// hash or wrap; PKCS#11 v2.40 Mechanisms §2.1.6).
func DigestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	p, ok := digestInfoPrefix[h]
	if !ok {
		return nil, fmt.Errorf("hash %v not supported for PKCS#1 v1.5 signatures", h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	return append(append([]byte{}, p...), digest...), nil
}

// pssParams are CK_RSA_PKCS_PSS_PARAMS for a hash (PKCS#11 v2.40 Mechanisms §2.1.13).
var pssParams = map[crypto.Hash]struct{ hashMech, mgf uint }{
	crypto.SHA256: {ck.CKM_SHA256, ck.CKG_MGF1_SHA256},
	crypto.SHA384: {ck.CKM_SHA384, ck.CKG_MGF1_SHA384},
	crypto.SHA512: {ck.CKM_SHA512, ck.CKG_MGF1_SHA512},
}

// Signer is a crypto.Signer over a private key on the token. Sign takes a digest, as crypto.Signer
// requires: RSA PKCS#1 v1.5 (opts a crypto.Hash), RSA-PSS (opts *rsa.PSSOptions) or ECDSA (ASN.1 DER
// signature, as crypto/ecdsa produces).
type Signer struct {
	t          *Token
	id         []byte
	pub        crypto.PublicKey
	AlwaysAuth bool // the key needs a context-specific login before each signature (CKA_ALWAYS_AUTHENTICATE)
	// PIN is asked for the context-specific login when AlwaysAuth is set (PKCS#11 v2.40 §5.6: C_Login with
	// CKU_CONTEXT_SPECIFIC right after C_SignInit). Nil PIN with a PIN-pad reader lets the reader collect it.
	PIN func() ([]byte, error)
}

// Signer returns a signer for the private key with this CKA_ID. The public key comes from the public key
// object, else from the certificate with the same CKA_ID.
func (t *Token) Signer(id []byte) (*Signer, error) {
	s := &Signer{t: t, id: append([]byte{}, id...)}
	err := t.do("find key", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		k, err := t.keyByID(ctx, sh, id)
		if err != nil {
			return err
		}
		s.AlwaysAuth = k.alwaysAuth
		s.pub, err = publicKeyByID(ctx, sh, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// keyByID finds the private key with this CKA_ID. A session that cannot see private keys gets
// ErrNotLoggedIn, not ErrNoSuchObject: the key may well be there, and a caller that took it as gone (a
// renewal rolling back) would act on a falsehood.
func (t *Token) keyByID(ctx *ck.Ctx, sh ck.SessionHandle, id []byte) (keyRef, error) {
	keys, err := privateKeys(ctx, sh)
	if err != nil {
		return keyRef{}, err
	}
	for _, k := range keys {
		if bytes.Equal(k.id, id) {
			return k, nil
		}
	}
	// Other keys seen: the session is logged in whatever C_GetSessionInfo says (judgeableKeys), so the key
	// is really not there.
	if len(keys) == 0 && !seesPrivateKeys(ctx, t.SlotID, sh) {
		return keyRef{}, errLoggedOut("find key", fmt.Sprintf("private key %x", id))
	}
	return keyRef{}, fail("find key", ErrNoSuchObject, "no private key with CKA_ID %x", id)
}

func publicKeyByID(ctx *ck.Ctx, sh ck.SessionHandle, id []byte) (crypto.PublicKey, error) {
	hs, err := findObjects(ctx, sh, []*ck.Attribute{
		ck.NewAttribute(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY), ck.NewAttribute(ck.CKA_ID, id)})
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		a, err := attrs(ctx, sh, h, ck.CKA_KEY_TYPE, ck.CKA_MODULUS, ck.CKA_PUBLIC_EXPONENT, ck.CKA_EC_PARAMS, ck.CKA_EC_POINT)
		if err != nil {
			return nil, err
		}
		if pub := publicFromAttrs(a); pub != nil {
			return pub, nil
		}
	}
	certs, err := certsByID(ctx, sh, id)
	if err != nil {
		return nil, err
	}
	if len(certs) > 0 {
		return certs[0].PublicKey, nil
	}
	return nil, fail("find key", ErrNoSuchObject, "no public key or certificate with CKA_ID %x", id)
}

// publicFromAttrs rebuilds an RSA or EC public key from its PKCS#11 attributes (nil if incomplete).
func publicFromAttrs(a map[uint][]byte) crypto.PublicKey {
	switch ulong(a[ck.CKA_KEY_TYPE]) {
	case ck.CKK_RSA:
		n, e := new(big.Int).SetBytes(a[ck.CKA_MODULUS]), new(big.Int).SetBytes(a[ck.CKA_PUBLIC_EXPONENT])
		if n.Sign() == 0 || !e.IsInt64() || e.Int64() > 1<<31 || e.Int64() < 3 {
			return nil
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}
	case ck.CKK_EC:
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(a[ck.CKA_EC_PARAMS], &oid); err != nil {
			return nil
		}
		curve := curveByOID(oid)
		var point []byte // CKA_EC_POINT is a DER OCTET STRING holding the X9.62 point
		if curve == nil {
			return nil
		}
		if _, err := asn1.Unmarshal(a[ck.CKA_EC_POINT], &point); err != nil {
			return nil
		}
		x, y := elliptic.Unmarshal(curve, point) //nolint:staticcheck // crypto/ecdh has no ECDSA keys
		if x == nil {
			return nil
		}
		return &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
	}
	return nil
}

func curveByOID(oid asn1.ObjectIdentifier) elliptic.Curve {
	switch {
	case oid.Equal(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}):
		return elliptic.P256()
	case oid.Equal(asn1.ObjectIdentifier{1, 3, 132, 0, 34}):
		return elliptic.P384()
	case oid.Equal(asn1.ObjectIdentifier{1, 3, 132, 0, 35}):
		return elliptic.P521()
	}
	return nil
}

// Public is the key's public half.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// ID is the key's CKA_ID.
func (s *Signer) ID() []byte { return append([]byte{}, s.id...) }

// Sign signs a digest on the card. rand is unused: the card makes its own randomness.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	mech, input, err := s.mechanism(digest, opts)
	if err != nil {
		return nil, err
	}
	var pin []byte
	if s.AlwaysAuth {
		if s.PIN == nil {
			return nil, fail("C_Sign", ErrNotLoggedIn, "this key needs its PIN for every signature")
		}
		if pin, err = s.PIN(); err != nil {
			return nil, err
		}
		defer clear(pin)
	}
	var sig []byte
	d := callTime
	if s.AlwaysAuth && len(pin) == 0 {
		d = pinPadTime
	}
	err = s.t.do("C_Sign", d, func(sh ck.SessionHandle) error {
		ctx := s.t.mod.ctx
		k, err := s.t.keyByID(ctx, sh, s.id)
		if err != nil {
			return err
		}
		if err := ctx.SignInit(sh, []*ck.Mechanism{mech}, k.h); err != nil {
			return wrap("C_SignInit", err, whoNone)
		}
		if s.AlwaysAuth {
			if err := ctx.Login(sh, ck.CKU_CONTEXT_SPECIFIC, string(pin)); err != nil {
				// End the pending operation: C_Sign with a NULL buffer would only ask for the length.
				_, _ = ctx.Sign(sh, make([]byte, len(input)))
				return wrap("C_Login", err, whoUser)
			}
		}
		sig, err = ctx.Sign(sh, input)
		return wrap("C_Sign", err, whoNone)
	})
	if err != nil {
		if s.AlwaysAuth {
			var after PINStatus
			s.t.attachPIN(err, &after)
		}
		return nil, err
	}
	if _, ok := s.pub.(*ecdsa.PublicKey); ok {
		return ecdsaDER(sig)
	}
	return sig, nil
}

// mechanism chooses the PKCS#11 mechanism and the bytes it signs.
func (s *Signer) mechanism(digest []byte, opts crypto.SignerOpts) (*ck.Mechanism, []byte, error) {
	h := opts.HashFunc()
	switch s.pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			p, ok := pssParams[h]
			if !ok || len(digest) != h.Size() {
				return nil, nil, fail("C_SignInit", ErrUnsupported, "RSA-PSS with %v", h)
			}
			salt := pss.SaltLength
			if salt == rsa.PSSSaltLengthAuto || salt == rsa.PSSSaltLengthEqualsHash {
				salt = h.Size()
			}
			return ck.NewMechanism(ck.CKM_RSA_PKCS_PSS, ck.NewPSSParams(p.hashMech, p.mgf, uint(salt))), digest, nil
		}
		di, err := DigestInfo(h, digest)
		if err != nil {
			return nil, nil, fail("C_SignInit", ErrUnsupported, "%v", err)
		}
		return ck.NewMechanism(ck.CKM_RSA_PKCS, nil), di, nil
	case *ecdsa.PublicKey:
		return ck.NewMechanism(ck.CKM_ECDSA, nil), digest, nil
	}
	return nil, nil, fail("C_SignInit", ErrUnsupported, "key type %T", s.pub)
}

// ecdsaDER converts CKM_ECDSA's r||s (PKCS#11 v2.40 Mechanisms §2.3.1) to the ASN.1 Ecdsa-Sig-Value
// (RFC 3279 §2.2.3).
func ecdsaDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fail("C_Sign", ErrFailed, "ECDSA signature of odd length %d", len(raw))
	}
	half := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:half]), new(big.Int).SetBytes(raw[half:])})
}
