package p11

import (
	"bytes"
	"crypto/rsa"
	"time"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// KeyPairByLabel finds the key pair whose private key has CKA_LABEL label (PKCS#11 v2.40 §4.4): a renewal
// labels its new key uniquely, so a key generation interrupted before the UI recorded the new CKA_ID is
// found again instead of leaving an orphan key. ok is false when there is none.
func (t *Token) KeyPairByLabel(label string) (kp *KeyPair, ok bool, err error) {
	err = t.do("C_FindObjects", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		hs, err := findObjects(ctx, sh, []*ck.Attribute{
			ck.NewAttribute(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY), ck.NewAttribute(ck.CKA_LABEL, label)})
		if err != nil || len(hs) == 0 {
			return err
		}
		if len(hs) > 1 {
			return fail("C_FindObjects", ErrFailed, "%d private keys labelled %q", len(hs), label)
		}
		a, err := attrs(ctx, sh, hs[0], ck.CKA_ID)
		if err != nil {
			return err
		}
		id := a[ck.CKA_ID]
		pub, err := publicKeyByID(ctx, sh, id)
		if err != nil {
			return err
		}
		rsaPub, isRSA := pub.(*rsa.PublicKey)
		if !isRSA {
			return fail("C_FindObjects", ErrUnsupported, "key %q is not RSA", label)
		}
		kp, ok = &KeyPair{ID: id, Public: rsaPub}, true
		return nil
	})
	return kp, ok, err
}

// Selection says which objects with one CKA_ID DeleteSelected removes: the private key, the public key,
// and the certificate object whose CKA_VALUE is exactly Certificate.
type Selection struct {
	PrivateKey  bool
	PublicKey   bool
	Certificate []byte
	// AllowLastKey and Now as for DeleteByID: removing the last private key with a valid certificate is
	// refused unless allowed.
	AllowLastKey bool
	Now          time.Time
}

// DeleteSelected destroys the selected objects with CKA_ID id (C_DestroyObject) and returns how many.
// Unlike DeleteByID it leaves the rest: a same-key renewal removes the old certificate and keeps the key
// and the new certificate, which share the CKA_ID.
func (t *Token) DeleteSelected(id []byte, s Selection) (deleted int, err error) {
	if len(id) == 0 || (!s.PrivateKey && !s.PublicKey && s.Certificate == nil) {
		return 0, fail("C_DestroyObject", ErrNoSuchObject, "nothing selected to delete")
	}
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	err = t.do("C_DestroyObject", callTime, func(sh ck.SessionHandle) error {
		ctx := t.mod.ctx
		var doomed []ck.ObjectHandle
		add := func(class uint) error {
			hs, err := findObjects(ctx, sh, []*ck.Attribute{ck.NewAttribute(ck.CKA_CLASS, class), ck.NewAttribute(ck.CKA_ID, id)})
			doomed = append(doomed, hs...)
			return err
		}
		if s.PrivateKey {
			if !s.AllowLastKey {
				keys, err := t.judgeableKeys(ctx, sh)
				if err != nil {
					return err
				}
				otherUsable := false
				for _, k := range keys {
					if !bytes.Equal(k.id, id) {
						if ok, err := hasValidCert(ctx, sh, k.id, now); err != nil {
							return err
						} else if ok {
							otherUsable = true
						}
					}
				}
				if !otherUsable {
					return fail("C_DestroyObject", ErrLastKey, "key %x is the only one with a valid certificate", id)
				}
			}
			if err := add(ck.CKO_PRIVATE_KEY); err != nil {
				return err
			}
		}
		if s.PublicKey {
			if err := add(ck.CKO_PUBLIC_KEY); err != nil {
				return err
			}
		}
		if s.Certificate != nil {
			hs, err := findObjects(ctx, sh, []*ck.Attribute{ck.NewAttribute(ck.CKA_CLASS, ck.CKO_CERTIFICATE), ck.NewAttribute(ck.CKA_ID, id)})
			if err != nil {
				return err
			}
			for _, h := range hs {
				a, err := attrs(ctx, sh, h, ck.CKA_VALUE)
				if err != nil {
					return err
				}
				if bytes.Equal(a[ck.CKA_VALUE], s.Certificate) {
					doomed = append(doomed, h)
				}
			}
		}
		if len(doomed) == 0 {
			return fail("C_DestroyObject", ErrNoSuchObject, "no selected object with CKA_ID %x", id)
		}
		for _, h := range doomed {
			if err := ctx.DestroyObject(sh, h); err != nil {
				return wrap("C_DestroyObject", err, whoNone)
			}
			deleted++
		}
		return nil
	})
	return deleted, err
}
