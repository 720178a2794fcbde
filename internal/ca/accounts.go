package ca

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"

	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// Account passwords are stored as scrypt hashes (RFC 7914) in the form
// "scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>". N=2^15, r=8, p=1 is the RFC 7914 §2 interactive setting.
const (
	scryptLogN = 15
	scryptR    = 8
	scryptP    = 1
)

// HashPassword hashes an account password for storage.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h, err := scrypt.Key([]byte(password), salt, 1<<scryptLogN, scryptR, scryptP, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("scrypt$%d$%d$%d$%s$%s", scryptLogN, scryptR, scryptP, enc.EncodeToString(salt), enc.EncodeToString(h)), nil
}

// CheckPassword reports whether password matches a stored hash. A malformed hash is an error, and
// parameters beyond what this program would set are refused so a tampered file cannot make it spin.
func CheckPassword(stored, password string) (bool, error) {
	f := strings.Split(stored, "$")
	if len(f) != 6 || f[0] != "scrypt" {
		return false, errors.New("hash della password in un formato sconosciuto / password hash in an unknown format")
	}
	logN, err1 := strconv.Atoi(f[1])
	r, err2 := strconv.Atoi(f[2])
	p, err3 := strconv.Atoi(f[3])
	enc := base64.RawStdEncoding
	salt, err4 := enc.DecodeString(f[4])
	want, err5 := enc.DecodeString(f[5])
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil || logN < 10 || logN > 16 || r < 1 || r > 8 || p < 1 || p > 2 || len(want) < 16 || len(want) > 64 {
		return false, errors.New("hash della password non valido / invalid password hash")
	}
	got, err := scrypt.Key([]byte(password), salt, 1<<logN, r, p, len(want))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// RandomPassword is a fresh password or secret: 15 random bytes in base32-like lower-case letters and
// digits, without '?' or '%' (see cmp.AccountRegInfo).
func RandomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// AddAccount creates a prepaid account with a balance in cents.
func (c *CA) AddAccount(ctx context.Context, id, password string, balance int64) error {
	if _, err := cmp.AccountRegInfo(id, password); err != nil {
		return err
	}
	if len(password) < 8 {
		return errors.New("password di almeno 8 caratteri / password of at least 8 characters")
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := c.Store.AddAccount(ctx, &store.Account{ID: id, PasswordHash: h, Balance: balance}); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("l'account %q esiste già / account %q already exists", id, id)
		}
		return err
	}
	return nil
}

// Authenticate checks an account's password; it returns the account or store.ErrNotFound for an
// unknown account or wrong password alike.
func (c *CA) Authenticate(ctx context.Context, id, password string) (*store.Account, error) {
	a, err := c.Store.Account(ctx, id)
	if err != nil {
		// Spend the same time as a real check, so timing does not tell which ids exist.
		CheckPassword("scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", password)
		return nil, err
	}
	ok, err := CheckPassword(a.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, store.ErrNotFound
	}
	return a, nil
}
