//go:build cgo

package hsm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// sessions is how many sessions sign at once: one PKCS#11 session runs one operation at a time (v2.40
// §5.2), and the CA signs for several requests in parallel.
const sessions = 4

// oidP256 is prime256v1 (RFC 5480 §2.1.1.1), the curve of the keys Generate makes, as CKA_EC_PARAMS
// holds it (the DER of the namedCurve OID, PKCS#11 v2.40 Mechanisms §2.3.3).
var oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}

// Key is a CA key on a token: a crypto.Signer whose Sign runs C_Sign on the token. A process holds one
// Key per module at a time: C_Initialize and C_Finalize are per process (PKCS#11 v2.40 §5.4), so Close
// would end any other Key's use of the module.
type Key struct {
	ctx  *pkcs11.Ctx
	slot uint
	pub  *ecdsa.PublicKey
	id   []byte
	pool chan pkcs11.SessionHandle
	open int // sessions opened, all in pool when none signs

	mu     sync.Mutex
	closed bool
}

// Open logs in to cfg's token with pin and finds the key labelled cfg.Label. A key the token would let
// out (CKA_EXTRACTABLE true or CKA_SENSITIVE false) is refused: a CA key must stay in its HSM.
func Open(cfg Config, pin []byte) (*Key, error) {
	return open(cfg, pin, false)
}

// Generate logs in to cfg's token and makes a new P-256 key pair labelled cfg.Label, sensitive and not
// extractable. A token already holding a key with that label is refused (nothing is overwritten).
func Generate(cfg Config, pin []byte) (*Key, error) {
	return open(cfg, pin, true)
}

func open(cfg Config, pin []byte, generate bool) (_ *Key, err error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	k := &Key{pool: make(chan pkcs11.SessionHandle, sessions)}
	if k.ctx = pkcs11.New(cfg.Module); k.ctx == nil {
		return nil, fmt.Errorf("modulo PKCS#11 %s non caricabile / PKCS#11 module %s cannot be loaded", cfg.Module, cfg.Module)
	}
	defer func() {
		if err != nil {
			k.Close()
		}
	}()
	if err := k.ctx.Initialize(); err != nil && !isCKR(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		k.ctx.Destroy()
		k.ctx = nil
		return nil, fmt.Errorf("modulo PKCS#11 %s: C_Initialize: %w", cfg.Module, err)
	}
	if k.slot, err = findToken(k.ctx, cfg.Token); err != nil {
		return nil, err
	}
	sh, err := k.ctx.OpenSession(k.slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return nil, fmt.Errorf("token %q: C_OpenSession: %w", cfg.Token, err)
	}
	k.pool <- sh
	k.open++
	// One C_Login, never repeated (PKCS#11 v2.40 §5.6: the login holds for every session of the
	// application on this token).
	if err := k.ctx.Login(sh, pkcs11.CKU_USER, string(pin)); err != nil && !isCKR(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		return nil, fmt.Errorf("token %q: accesso rifiutato, PIN non ritentato / login refused, PIN not retried: %w", cfg.Token, err)
	}
	if generate {
		err = k.generate(sh, cfg.Label)
	} else {
		err = k.find(sh, cfg.Label)
	}
	if err != nil {
		return nil, err
	}
	for range sessions - 1 {
		s, err := k.ctx.OpenSession(k.slot, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			return nil, fmt.Errorf("token %q: C_OpenSession: %w", cfg.Token, err)
		}
		k.pool <- s
		k.open++
	}
	return k, nil
}

var errClosed = errors.New("chiave PKCS#11 chiusa / PKCS#11 key closed")

func isCKR(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// findToken returns the slot holding the one token labelled label.
func findToken(ctx *pkcs11.Ctx, label string) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("C_GetSlotList: %w", err)
	}
	var found []uint
	var seen []string
	for _, s := range slots {
		ti, err := ctx.GetTokenInfo(s)
		if err != nil {
			continue
		}
		l := strings.TrimRight(ti.Label, " \x00") // CK_TOKEN_INFO label is blank-padded (v2.40 §3.2)
		seen = append(seen, fmt.Sprintf("%q", l))
		if l == label {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return 0, fmt.Errorf("token %q non trovato (presenti: %s) / token %q not found (present: %s)", label, strings.Join(seen, ", "), label, strings.Join(seen, ", "))
	}
	return 0, fmt.Errorf("%d token si chiamano %q / %d tokens are labelled %q", len(found), label, len(found), label)
}

// objects finds the objects of a class with a label.
func (k *Key) objects(sh pkcs11.SessionHandle, class uint, label string) ([]pkcs11.ObjectHandle, error) {
	return k.search(sh, 8, pkcs11.NewAttribute(pkcs11.CKA_CLASS, class), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
}

// search returns up to max objects matching tmpl (C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal;
// PKCS#11 v2.40 §5.7).
func (k *Key) search(sh pkcs11.SessionHandle, max int, tmpl ...*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := k.ctx.FindObjectsInit(sh, tmpl); err != nil {
		return nil, fmt.Errorf("C_FindObjectsInit: %w", err)
	}
	hs, _, err := k.ctx.FindObjects(sh, max)
	if ferr := k.ctx.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, fmt.Errorf("C_FindObjects: %w", err)
	}
	return hs, nil
}

// generate makes the key pair (CKM_EC_KEY_PAIR_GEN, PKCS#11 v2.40 Mechanisms §2.3.5). The private key
// is a token object, private, sensitive and never extractable, usable only to sign (v2.40 §4.9): no decrypt, unwrap or derive.
func (k *Key) generate(sh pkcs11.SessionHandle, label string) error {
	for _, class := range []uint{pkcs11.CKO_PRIVATE_KEY, pkcs11.CKO_PUBLIC_KEY} {
		hs, err := k.objects(sh, class, label)
		if err != nil {
			return err
		}
		if len(hs) > 0 {
			return fmt.Errorf("il token ha già una chiave %q: scegliere un'altra etichetta (--label) / the token already holds a key %q: choose another label (--label)", label, label)
		}
	}
	k.id = make([]byte, 16)
	if _, err := rand.Read(k.id); err != nil {
		return err
	}
	params, _ := asn1.Marshal(oidP256)
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, false),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, k.id),
	}
	priv := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, false),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, k.id),
	}
	ph, _, err := k.ctx.GenerateKeyPair(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}, pub, priv)
	if err != nil {
		return fmt.Errorf("C_GenerateKeyPair: %w", err)
	}
	k.pub, err = k.publicKey(sh, ph)
	return err
}

// find loads the one key pair labelled label and checks that the private key cannot leave the token.
func (k *Key) find(sh pkcs11.SessionHandle, label string) error {
	privs, err := k.objects(sh, pkcs11.CKO_PRIVATE_KEY, label)
	if err != nil {
		return err
	}
	pubs, err := k.objects(sh, pkcs11.CKO_PUBLIC_KEY, label)
	if err != nil {
		return err
	}
	if len(privs) != 1 || len(pubs) != 1 {
		return fmt.Errorf("chiave %q: %d chiavi private e %d pubbliche sul token, ne serve una coppia / key %q: %d private and %d public keys on the token, one pair needed", label, len(privs), len(pubs), label, len(privs), len(pubs))
	}
	a, err := k.ctx.GetAttributeValue(sh, privs[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_ID, nil), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil)})
	if err != nil {
		return fmt.Errorf("C_GetAttributeValue: %w", err)
	}
	if !isTrue(a[1].Value) || isTrue(a[2].Value) {
		return fmt.Errorf("chiave %q: estraibile dal token (CKA_SENSITIVE falso o CKA_EXTRACTABLE vero), non usabile per una CA / key %q: extractable from the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true), not fit for a CA", label, label)
	}
	k.id = a[0].Value
	k.pub, err = k.publicKey(sh, pubs[0])
	return err
}

func isTrue(v []byte) bool { return len(v) == 1 && v[0] != 0 }

// publicKey reads a P-256 public key object: CKA_EC_POINT is a DER OCTET STRING holding the SEC 1
// uncompressed point (PKCS#11 v2.40 Mechanisms §2.3.3).
func (k *Key) publicKey(sh pkcs11.SessionHandle, h pkcs11.ObjectHandle) (*ecdsa.PublicKey, error) {
	a, err := k.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil), pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("C_GetAttributeValue: %w", err)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(a[0].Value, &oid); err != nil || !oid.Equal(oidP256) {
		return nil, errors.New("la chiave del token non è EC P-256 / the token's key is not EC P-256")
	}
	var point []byte
	if _, err := asn1.Unmarshal(a[1].Value, &point); err != nil {
		return nil, fmt.Errorf("CKA_EC_POINT: %w", err)
	}
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
}

// Public is the key's public half.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Sign signs a digest with CKM_ECDSA (PKCS#11 v2.40 Mechanisms §2.3.6: the token signs the hash as
// given) and returns the ASN.1 Ecdsa-Sig-Value (RFC 3279 §2.2.3) crypto/x509 expects. rand is unused:
// the token makes its own randomness.
func (k *Key) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	sh, ok := <-k.pool
	if !ok {
		return nil, errClosed
	}
	defer func() { k.pool <- sh }()
	priv, err := k.privateHandle(sh)
	if err != nil {
		return nil, err
	}
	if err := k.ctx.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, priv); err != nil {
		return nil, fmt.Errorf("C_SignInit: %w", err)
	}
	raw, err := k.ctx.Sign(sh, digest)
	if err != nil {
		return nil, fmt.Errorf("C_Sign: %w", err)
	}
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("C_Sign: firma ECDSA di %d byte / ECDSA signature of %d bytes", len(raw), len(raw))
	}
	half := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:half]), new(big.Int).SetBytes(raw[half:])})
}

// privateHandle finds the private key by CKA_ID in this session (handles may differ between sessions on
// some tokens, so none is cached).
func (k *Key) privateHandle(sh pkcs11.SessionHandle) (pkcs11.ObjectHandle, error) {
	hs, err := k.search(sh, 2, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, k.id))
	if err != nil {
		return 0, err
	}
	if len(hs) != 1 {
		return 0, fmt.Errorf("chiave della CA non trovata sul token (%d) / CA key not found on the token (%d)", len(hs), len(hs))
	}
	return hs[0], nil
}

// Destroy deletes the key pair from the token: `ponte-ca init` undoes a key it made when the CA could
// not be created, so no orphan key is left.
func (k *Key) Destroy() error {
	sh, ok := <-k.pool
	if !ok {
		return errClosed
	}
	defer func() { k.pool <- sh }()
	hs, err := k.search(sh, 4, pkcs11.NewAttribute(pkcs11.CKA_ID, k.id))
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range hs {
		errs = append(errs, k.ctx.DestroyObject(sh, h))
	}
	return errors.Join(errs...)
}

// Close waits for the signatures under way, logs out, closes the sessions and finalises the module.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || k.ctx == nil {
		return nil
	}
	k.closed = true
	for i := range k.open {
		sh := <-k.pool
		if i == 0 {
			k.ctx.Logout(sh)
		}
		k.ctx.CloseSession(sh)
	}
	close(k.pool)
	err := k.ctx.Finalize()
	k.ctx.Destroy()
	return err
}
