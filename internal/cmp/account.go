package cmp

import (
	"encoding/asn1"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Prepaid-account credentials for paid renewals. They travel in the CertReqMsg's regInfo as
// id-regInfo-utf8Pairs (RFC 4211 §7.1: "name?value%name?value%..."), which the request's protection
// covers: account?<id>%password?<password>%. Neither may contain '?' or '%' (ponte-ca creates ids and
// passwords without them). docs/ca-profiles.md documents the field for CA operators.

// OIDRegInfoUTF8Pairs is id-regInfo-utf8Pairs, RFC 4211 §7.1.
var OIDRegInfoUTF8Pairs = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 5, 2, 1}

// The utf8Pairs names Ponte uses for an account.
const (
	PairAccount  = "account"
	PairPassword = "password"
)

// The utf8Pairs names of the holder's acceptance of the CA's terms and privacy notice (docs/cmp.md):
// the versions accepted and when, RFC 3339 UTC. They travel in a utf8Pairs entry of their own, beside
// the account's, so the CA can keep them as evidence.
const (
	PairTermsVersion   = "termsVersion"
	PairPrivacyVersion = "privacyVersion"
	PairTermsAccepted  = "termsAcceptedAt"
)

// TermsRegInfo is the regInfo entry carrying the terms and privacy versions the holder accepted at at.
func TermsRegInfo(terms, privacy string, at time.Time) (AttributeTypeAndValue, error) {
	if strings.ContainsAny(terms+privacy, "?%") || terms == "" || privacy == "" || !utf8.ValidString(terms) || !utf8.ValidString(privacy) {
		return AttributeTypeAndValue{}, errors.New("versioni dei termini vuote, non UTF-8 o con '?' o '%' / terms versions empty, not UTF-8 or with '?' or '%'")
	}
	return utf8PairsRegInfo(PairTermsVersion + "?" + terms + "%" + PairPrivacyVersion + "?" + privacy + "%" +
		PairTermsAccepted + "?" + at.UTC().Format(time.RFC3339) + "%")
}

func utf8PairsRegInfo(pairs string) (AttributeTypeAndValue, error) {
	der, err := asn1.MarshalWithParams(pairs, "utf8")
	if err != nil {
		return AttributeTypeAndValue{}, err
	}
	return AttributeTypeAndValue{Type: OIDRegInfoUTF8Pairs, Value: asn1.RawValue{FullBytes: der}}, nil
}

// ErrAccountChars: an id or password with a character utf8Pairs cannot carry.
var ErrAccountChars = errors.New("account e password non possono contenere '?' o '%' / account and password cannot contain '?' or '%'")

// AccountRegInfo is the regInfo entry carrying an account id and password.
func AccountRegInfo(id, password string) (AttributeTypeAndValue, error) {
	if strings.ContainsAny(id, "?%") || strings.ContainsAny(password, "?%") || id == "" {
		return AttributeTypeAndValue{}, ErrAccountChars
	}
	return utf8PairsRegInfo(PairAccount + "?" + id + "%" + PairPassword + "?" + password + "%")
}

// UTF8Pairs returns the name/value pairs of every id-regInfo-utf8Pairs entry of the request's regInfo.
// A repeated name is an error, so a request cannot carry two different accounts.
func (m *CertReqMsg) UTF8Pairs() (map[string]string, error) {
	out := map[string]string{}
	for _, ri := range m.RegInfo {
		if !ri.Type.Equal(OIDRegInfoUTF8Pairs) {
			continue
		}
		var rv asn1.RawValue
		if err := unmarshalAll(ri.Value.FullBytes, &rv); err != nil || rv.Class != asn1.ClassUniversal || rv.Tag != asn1.TagUTF8String || !utf8.Valid(rv.Bytes) {
			return nil, malformed("regInfo utf8Pairs", err)
		}
		s := string(rv.Bytes)
		if err := parseUTF8Pairs(s, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseUTF8Pairs(s string, out map[string]string) error {
	for s != "" {
		pair, rest, ok := strings.Cut(s, "%")
		if !ok {
			return malformed("regInfo utf8Pairs", errors.New("pair not terminated by '%'"))
		}
		name, value, ok := strings.Cut(pair, "?")
		if !ok || name == "" {
			return malformed("regInfo utf8Pairs", errors.New("pair without 'name?'"))
		}
		if _, dup := out[name]; dup {
			return malformed("regInfo utf8Pairs", errors.New("repeated name "+name))
		}
		out[name] = value
		s = rest
	}
	return nil
}
