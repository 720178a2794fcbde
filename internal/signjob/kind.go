package signjob

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"github.com/ponte-it/ponte/internal/signcert"
)

// kindWords are the "Tipo di firma" line of a verified signature: whether its certificate is one meant
// for signing (keyUsage nonRepudiation, RFC 5280 §4.2.1.3, as qualified signature certificates carry),
// or the CNS authentication certificate, which makes no qualified signature (issue 6, seed 004).
// Whether the issuer is a qualified trust service provider is the trusted list's to say, not this line's.
var kindWords = map[string][2]string{
	"kind":      {"Tipo di firma", "Signature type"},
	"signature": {"certificato di firma (uso \"non ripudio\")", "signature certificate (\"non-repudiation\" key usage)"},
	"cns": {"NON è una firma qualificata: è stata fatta con il certificato di autenticazione CNS, che serve ad accedere ai servizi online, non a firmare",
		"NOT a qualified signature: it was made with the CNS authentication certificate, which is meant for logging in to online services, not for signing"},
	"other": {"NON è una firma qualificata: il certificato non ha l'uso \"non ripudio\"",
		"NOT a qualified signature: the certificate lacks the \"non-repudiation\" key usage"},
	"weak": {"chiave RSA a %d bit, sotto i %d bit richiesti", "RSA key of %d bits, under the %d bits required"},
}

func kindWord(k, lang string) string {
	if lang == "en" {
		return kindWords[k][1]
	}
	return kindWords[k][0]
}

// certKind is the signature type line for the signer's certificate c.
func certKind(c *x509.Certificate, lang string) string {
	var s string
	switch {
	case c.KeyUsage&x509.KeyUsageContentCommitment != 0:
		s = kindWord("signature", lang)
	case signcert.IsCNSAuthentication(c):
		s = kindWord("cns", lang)
	default:
		s = kindWord("other", lang)
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < signcert.MinRSABits {
		s += "; " + fmt.Sprintf(kindWord("weak", lang), k.N.BitLen(), signcert.MinRSABits)
	}
	return s
}
