package certcache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
)

// certificatesPBES2 reads the certificate bags of a PKCS#12 file whose bags are encrypted with PBES2
// (RFC 8018 §6.2: PBKDF2 + AES-CBC), the OpenSSL 3 and recent Windows default that
// golang.org/x/crypto/pkcs12 does not know. Only certificates are read; key bags are skipped unopened.
// The MAC (RFC 7292 §4) is not checked: the certificates are public, and a wrong password already fails
// the decryption of an encrypted bag.
func certificatesPBES2(data []byte, password string) ([]*x509.Certificate, error) {
	var pfx struct {
		Version  int
		AuthSafe contentInfo
		MacData  asn1.RawValue `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(data, &pfx); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("PFX: %v", err)
	}
	if !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil, errors.New("PFX: authSafe is not data (public-key integrity mode is not supported)")
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, fmt.Errorf("authSafe: %v", err)
	}
	var infos []contentInfo
	if _, err := asn1.Unmarshal(authSafe, &infos); err != nil {
		return nil, fmt.Errorf("AuthenticatedSafe: %v", err)
	}
	var out []*x509.Certificate
	for _, ci := range infos {
		var safe []byte
		switch {
		case ci.ContentType.Equal(oidData):
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &safe); err != nil {
				return nil, fmt.Errorf("SafeContents: %v", err)
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed struct {
				Version int
				Info    struct {
					ContentType asn1.ObjectIdentifier
					Algorithm   algorithmIdentifier
					Content     []byte `asn1:"tag:0,optional"`
				}
			}
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				return nil, fmt.Errorf("EncryptedData: %v", err)
			}
			var err error
			if safe, err = decryptPBES2(ed.Info.Algorithm, ed.Info.Content, password); err != nil {
				return nil, err
			}
		default:
			continue
		}
		cs, err := certBags(safe)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13} // RFC 8018 App. A.4
	oidPBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12} // RFC 8018 App. A.2
	oidCertBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Cert      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1} // RFC 7292 §4.2.3
	// PRFs (RFC 8018 App. B.1) and AES-CBC (App. B.2.5 / NIST).
	prfs = map[string]func() hash.Hash{
		"1.2.840.113549.2.7":  sha1.New,
		"1.2.840.113549.2.9":  sha256.New,
		"1.2.840.113549.2.11": sha512.New,
	}
	aesKeySizes = map[string]int{
		"2.16.840.1.101.3.4.1.2":  16,
		"2.16.840.1.101.3.4.1.22": 24,
		"2.16.840.1.101.3.4.1.42": 32,
	}
)

// maxIterations bounds PBKDF2 work on a hostile file (OpenSSL writes 2048; Windows 2000 to 10000).
const maxIterations = 1 << 20

func decryptPBES2(alg algorithmIdentifier, ciphertext []byte, password string) ([]byte, error) {
	if !alg.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("bag encryption %v not supported", alg.Algorithm)
	}
	var params struct {
		KDF algorithmIdentifier
		Enc algorithmIdentifier
	}
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("PBES2 parameters: %v", err)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("key derivation %v not supported", params.KDF.Algorithm)
	}
	var kdf struct {
		Salt      []byte
		Iter      int
		KeyLength int                 `asn1:"optional"`
		PRF       algorithmIdentifier `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("PBKDF2 parameters: %v", err)
	}
	if kdf.Iter < 1 || kdf.Iter > maxIterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d out of range", kdf.Iter)
	}
	prf := sha1.New // RFC 8018 §A.2: the default PRF is hmacWithSHA1
	if len(kdf.PRF.Algorithm) > 0 {
		var ok bool
		if prf, ok = prfs[kdf.PRF.Algorithm.String()]; !ok {
			return nil, fmt.Errorf("PRF %v not supported", kdf.PRF.Algorithm)
		}
	}
	keyLen, ok := aesKeySizes[params.Enc.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("cipher %v not supported", params.Enc.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errors.New("AES-CBC IV missing or malformed")
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, errors.New("encrypted bag is not whole AES blocks")
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iter, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ciphertext)
	// PKCS#7 padding (RFC 8018 §6.1.1 step 4): a wrong password nearly always breaks it.
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, ErrPassword
	}
	for _, b := range plain[len(plain)-n:] {
		if int(b) != n {
			return nil, ErrPassword
		}
	}
	return plain[:len(plain)-n], nil
}

// certBags reads the X.509 certificates of a SafeContents (RFC 7292 §4.2.3), skipping other bags.
func certBags(safe []byte) ([]*x509.Certificate, error) {
	var bags []struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue `asn1:"tag:0,explicit"`
		Attrs asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(safe, &bags); err != nil {
		return nil, ErrPassword // decrypted garbage with a lucky padding byte: the password is wrong
	}
	var out []*x509.Certificate
	for _, b := range bags {
		if !b.ID.Equal(oidCertBag) {
			continue
		}
		var cb struct {
			ID    asn1.ObjectIdentifier
			Value []byte `asn1:"tag:0,explicit"`
		}
		if _, err := asn1.Unmarshal(b.Value.Bytes, &cb); err != nil || !cb.ID.Equal(oidX509Cert) {
			continue
		}
		c, err := x509.ParseCertificate(cb.Value)
		if err != nil {
			return nil, fmt.Errorf("certificato nel .p12 non valido (%v) / invalid certificate in the .p12", err)
		}
		out = append(out, c)
	}
	return out, nil
}
