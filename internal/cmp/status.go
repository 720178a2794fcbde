package cmp

import (
	"encoding/asn1"
	"strings"

	"github.com/ponte-it/ponte/internal/words"
)

// PKIStatus, RFC 9810 §5.2.3.
type PKIStatus int

const (
	StatusAccepted               PKIStatus = 0
	StatusGrantedWithMods        PKIStatus = 1
	StatusRejection              PKIStatus = 2
	StatusWaiting                PKIStatus = 3
	StatusRevocationWarning      PKIStatus = 4
	StatusRevocationNotification PKIStatus = 5
	StatusKeyUpdateWarning       PKIStatus = 6
)

var statusNames = [...]string{"accepted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification", "keyUpdateWarning"}

func (s PKIStatus) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// FailInfo is the PKIFailureInfo BIT STRING (RFC 9810 §5.2.3) as a mask: bit n of the BIT STRING is
// 1<<n here.
type FailInfo uint32

// PKIFailureInfo bit numbers, RFC 9810 §5.2.3.
const (
	FailBadAlg              = 0
	FailBadMessageCheck     = 1
	FailBadRequest          = 2
	FailBadTime             = 3
	FailBadCertID           = 4
	FailBadDataFormat       = 5
	FailWrongAuthority      = 6
	FailIncorrectData       = 7
	FailMissingTimeStamp    = 8
	FailBadPOP              = 9
	FailCertRevoked         = 10
	FailCertConfirmed       = 11
	FailWrongIntegrity      = 12
	FailBadRecipientNonce   = 13
	FailTimeNotAvailable    = 14
	FailUnacceptedPolicy    = 15
	FailUnacceptedExtension = 16
	FailAddInfoNotAvailable = 17
	FailBadSenderNonce      = 18
	FailBadCertTemplate     = 19
	FailSignerNotTrusted    = 20
	FailTransactionIDInUse  = 21
	FailUnsupportedVersion  = 22
	FailNotAuthorized       = 23
	FailSystemUnavail       = 24
	FailSystemFailure       = 25
	FailDuplicateCertReq    = 26
	failBits                = 27
)

// Bit returns the mask with failure bit n set.
func Bit(n int) FailInfo { return 1 << uint(n) }

// Has reports whether failure bit n is set.
func (f FailInfo) Has(n int) bool { return n >= 0 && n < 32 && f&(1<<uint(n)) != 0 }

// Names lists the set bits by their RFC names.
func (f FailInfo) Names() []string {
	var out []string
	for _, r := range failInfoTable {
		if f.Has(r.bit) {
			out = append(out, r.name)
		}
	}
	return out
}

// bitString encodes the mask as a DER named-bit BIT STRING (trailing zero bits removed, X.690 §11.2.2).
func (f FailInfo) bitString() asn1.BitString {
	if f == 0 {
		return asn1.BitString{}
	}
	n := 0
	for i := 0; i < 32; i++ {
		if f.Has(i) {
			n = i + 1
		}
	}
	b := make([]byte, (n+7)/8)
	for i := 0; i < n; i++ {
		if f.Has(i) {
			b[i/8] |= 0x80 >> uint(i%8)
		}
	}
	return asn1.BitString{Bytes: b, BitLength: n}
}

func failInfoFromBits(bs asn1.BitString) FailInfo {
	var f FailInfo
	for i := 0; i < bs.BitLength && i < 32; i++ {
		if bs.At(i) == 1 {
			f |= 1 << uint(i)
		}
	}
	return f
}

// PKIStatusInfo, RFC 9810 §5.2.3.
type PKIStatusInfo struct {
	Status       PKIStatus
	StatusString []string
	FailInfo     FailInfo
}

// failInfoRow is one PKIFailureInfo bit and its RFC name; its words are the catalogue's
// "failInfo.<name>" (package words).
type failInfoRow struct {
	bit  int
	name string
}

// failInfoTable: RFC 9810 §5.2.3, one row per bit, in bit order.
var failInfoTable = []failInfoRow{
	{FailBadAlg, "badAlg"},
	{FailBadMessageCheck, "badMessageCheck"},
	{FailBadRequest, "badRequest"},
	{FailBadTime, "badTime"},
	{FailBadCertID, "badCertId"},
	{FailBadDataFormat, "badDataFormat"},
	{FailWrongAuthority, "wrongAuthority"},
	{FailIncorrectData, "incorrectData"},
	{FailMissingTimeStamp, "missingTimeStamp"},
	{FailBadPOP, "badPOP"},
	{FailCertRevoked, "certRevoked"},
	{FailCertConfirmed, "certConfirmed"},
	{FailWrongIntegrity, "wrongIntegrity"},
	{FailBadRecipientNonce, "badRecipientNonce"},
	{FailTimeNotAvailable, "timeNotAvailable"},
	{FailUnacceptedPolicy, "unacceptedPolicy"},
	{FailUnacceptedExtension, "unacceptedExtension"},
	{FailAddInfoNotAvailable, "addInfoNotAvailable"},
	{FailBadSenderNonce, "badSenderNonce"},
	{FailBadCertTemplate, "badCertTemplate"},
	{FailSignerNotTrusted, "signerNotTrusted"},
	{FailTransactionIDInUse, "transactionIdInUse"},
	{FailUnsupportedVersion, "unsupportedVersion"},
	{FailNotAuthorized, "notAuthorized"},
	{FailSystemUnavail, "systemUnavail"},
	{FailSystemFailure, "systemFailure"},
	{FailDuplicateCertReq, "duplicateCertReq"},
}

// Reason is a machine-readable refusal reason a CA puts as the first statusString of a PKIStatusInfo,
// alone or followed by ": " and free text, so the client can say precisely why. ponte-ca uses these;
// another CA's free text is shown as it is.
type Reason string

// Reasons known to Ponte. Adding one means adding its row to reasonTable.
const (
	ReasonMaxLifetime         Reason = "maxLifetimeReached"
	ReasonTooEarly            Reason = "renewalWindowNotOpen"
	ReasonExpired             Reason = "certificateExpired"
	ReasonAlreadyRenewed      Reason = "alreadyRenewed"
	ReasonRevoked             Reason = "certificateRevoked"
	ReasonUnknownCertificate  Reason = "unknownCertificate"
	ReasonBadAccount          Reason = "badAccount"
	ReasonInsufficientBalance Reason = "insufficientBalance"
	ReasonKeyReuse            Reason = "keyReuseNotAllowed"
	ReasonExtendNotAllowed    Reason = "extensionNotAllowed"
	ReasonKeyTooSmall         Reason = "keyTooSmall"
	ReasonKeyAlgorithm        Reason = "keyAlgorithmNotAllowed"
)

type reasonRow struct {
	reason Reason
	fail   int // the failInfo bit a CA sets with this reason
}

// reasonTable: the failInfo bit of each reason above; its words are the catalogue's "reason.<reason>".
var reasonTable = []reasonRow{
	{ReasonMaxLifetime, FailNotAuthorized},
	{ReasonTooEarly, FailNotAuthorized},
	{ReasonExpired, FailNotAuthorized},
	{ReasonAlreadyRenewed, FailNotAuthorized},
	{ReasonRevoked, FailCertRevoked},
	{ReasonUnknownCertificate, FailBadCertID},
	{ReasonBadAccount, FailNotAuthorized},
	{ReasonInsufficientBalance, FailNotAuthorized},
	{ReasonKeyReuse, FailBadCertTemplate},
	{ReasonExtendNotAllowed, FailNotAuthorized},
	{ReasonKeyTooSmall, FailBadCertTemplate},
	{ReasonKeyAlgorithm, FailBadAlg},
}

// StatusString returns the statusString a CA sends for a reason, with optional free text after it.
func (r Reason) StatusString(detail string) string {
	if detail == "" {
		return string(r)
	}
	return string(r) + ": " + detail
}

// FailBit is the failInfo bit that goes with the reason (badRequest for an unknown one).
func (r Reason) FailBit() int {
	for _, row := range reasonTable {
		if row.reason == r {
			return row.fail
		}
	}
	return FailBadRequest
}

// Reason finds a known reason at the start of the status strings.
func (s PKIStatusInfo) Reason() (Reason, bool) {
	if len(s.StatusString) == 0 {
		return "", false
	}
	first := strings.TrimSpace(s.StatusString[0])
	for _, row := range reasonTable {
		if first == string(row.reason) || strings.HasPrefix(first, string(row.reason)+":") {
			return row.reason, true
		}
	}
	return "", false
}

// Words is the precise message for the status: the known reason if the CA gave one, else the failInfo
// bits, else the status; then the CA's own words.
func (s PKIStatusInfo) Words() []words.Message {
	var out []words.Message
	if r, ok := s.Reason(); ok {
		out = append(out, words.M(words.Code("reason."+string(r))))
	} else {
		for _, name := range s.FailInfo.Names() {
			out = append(out, words.M(words.Code("failInfo."+name)))
		}
	}
	if len(out) == 0 {
		switch s.Status {
		case StatusRejection:
			out = append(out, words.M("ca-rejected"))
		case StatusWaiting:
			out = append(out, words.M("ca-waiting"))
		default:
			out = append(out, words.M("ca-status", s.Status.String()))
		}
	}
	if said := s.caWords(); said != "" {
		out = append(out, words.M("ca-says", said))
	}
	return out
}

// caWords is the CA's free text: the status strings without the known reason at their start.
func (s PKIStatusInfo) caWords() string {
	said := strings.Join(s.StatusString, " ")
	if r, ok := s.Reason(); ok {
		said = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(said), string(r)+":"))
		if said == string(r) {
			said = ""
		}
	}
	return said
}

// String is the status in technical English: status, failInfo names, the CA's status strings.
func (s PKIStatusInfo) String() string {
	msg := "status " + s.Status.String()
	if names := s.FailInfo.Names(); len(names) > 0 {
		msg += ", failInfo " + strings.Join(names, ",")
	}
	if len(s.StatusString) > 0 {
		msg += ", statusString " + strings.Join(s.StatusString, " ")
	}
	return msg
}
