package cmp

import (
	"encoding/asn1"
	"strings"
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

// failInfoRow is one PKIFailureInfo bit: its RFC name and what the user reads, Italian then English.
type failInfoRow struct {
	bit    int
	name   string
	it, en string
}

// failInfoTable: RFC 9810 §5.2.3, one row per bit, in bit order.
var failInfoTable = []failInfoRow{
	{FailBadAlg, "badAlg", "algoritmo non riconosciuto o non supportato dalla CA", "algorithm not recognised or not supported by the CA"},
	{FailBadMessageCheck, "badMessageCheck", "la CA non ha potuto verificare la protezione della richiesta (firma o password)", "the CA could not verify the request's protection (signature or password)"},
	{FailBadRequest, "badRequest", "richiesta non ammessa o non supportata dalla CA", "request not permitted or not supported by the CA"},
	{FailBadTime, "badTime", "l'orario della richiesta è troppo diverso da quello della CA: controllare data e ora del computer", "the request's time is too far from the CA's: check the computer's date and time"},
	{FailBadCertID, "badCertId", "la CA non riconosce il certificato indicato", "the CA does not recognise the certificate given"},
	{FailBadDataFormat, "badDataFormat", "dati della richiesta in un formato non accettato", "request data in a format the CA does not accept"},
	{FailWrongAuthority, "wrongAuthority", "richiesta inviata alla CA sbagliata", "request sent to the wrong CA"},
	{FailIncorrectData, "incorrectData", "dati della richiesta non corretti", "the request's data are incorrect"},
	{FailMissingTimeStamp, "missingTimeStamp", "manca la marca temporale richiesta dalla CA", "the time stamp the CA requires is missing"},
	{FailBadPOP, "badPOP", "la prova di possesso della chiave non è valida", "the proof of possession of the key is not valid"},
	{FailCertRevoked, "certRevoked", "il certificato è revocato", "the certificate is revoked"},
	{FailCertConfirmed, "certConfirmed", "il certificato è già stato confermato", "the certificate has already been confirmed"},
	{FailWrongIntegrity, "wrongIntegrity", "tipo di protezione della richiesta non accettato (firma o password)", "request protection of a kind the CA does not accept (signature or password)"},
	{FailBadRecipientNonce, "badRecipientNonce", "risposta a una richiesta diversa (recipNonce errato)", "answer to a different request (wrong recipNonce)"},
	{FailTimeNotAvailable, "timeNotAvailable", "ora non disponibile presso la CA", "time not available at the CA"},
	{FailUnacceptedPolicy, "unacceptedPolicy", "politica di certificazione non accettata dalla CA", "certificate policy not accepted by the CA"},
	{FailUnacceptedExtension, "unacceptedExtension", "estensione del certificato non accettata dalla CA", "certificate extension not accepted by the CA"},
	{FailAddInfoNotAvailable, "addInfoNotAvailable", "informazioni aggiuntive non disponibili", "additional information not available"},
	{FailBadSenderNonce, "badSenderNonce", "nonce del mittente mancante o non valido", "sender nonce missing or not valid"},
	{FailBadCertTemplate, "badCertTemplate", "dati del certificato richiesto non accettati dalla CA", "the requested certificate's contents are not accepted by the CA"},
	{FailSignerNotTrusted, "signerNotTrusted", "la CA non riconosce il certificato che ha firmato la richiesta", "the CA does not trust the certificate that signed the request"},
	{FailTransactionIDInUse, "transactionIdInUse", "identificativo di transazione già in uso: riprovare", "transaction id already in use: try again"},
	{FailUnsupportedVersion, "unsupportedVersion", "versione del protocollo CMP non supportata dalla CA", "CMP protocol version not supported by the CA"},
	{FailNotAuthorized, "notAuthorized", "operazione non autorizzata dalla CA", "operation not authorised by the CA"},
	{FailSystemUnavail, "systemUnavail", "servizio della CA temporaneamente non disponibile: riprovare più tardi", "the CA's service is temporarily unavailable: try again later"},
	{FailSystemFailure, "systemFailure", "errore interno della CA: riprovare più tardi", "the CA had an internal failure: try again later"},
	{FailDuplicateCertReq, "duplicateCertReq", "certificato già emesso per questa richiesta", "a certificate was already issued for this request"},
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
	it, en string
}

// reasonTable: the precise messages for the reasons above.
var reasonTable = []reasonRow{
	{ReasonMaxLifetime, FailNotAuthorized, "rinnovo non consentito: durata massima del certificato raggiunta", "renewal not allowed: the certificate's maximum lifetime has been reached"},
	{ReasonTooEarly, FailNotAuthorized, "rinnovo non ancora consentito: il certificato è lontano dalla scadenza, riprovare più avanti", "renewal not yet allowed: the certificate is far from expiry, try again later"},
	{ReasonExpired, FailNotAuthorized, "rinnovo non consentito: il certificato è già scaduto, serve una nuova tessera", "renewal not allowed: the certificate has already expired, a new card is needed"},
	{ReasonAlreadyRenewed, FailNotAuthorized, "rinnovo non consentito: il certificato è già stato rinnovato una volta", "renewal not allowed: the certificate has already been renewed once"},
	{ReasonRevoked, FailCertRevoked, "rinnovo non consentito: il certificato è revocato", "renewal not allowed: the certificate is revoked"},
	{ReasonUnknownCertificate, FailBadCertID, "la CA non ha emesso il certificato di questa tessera", "the CA did not issue this card's certificate"},
	{ReasonBadAccount, FailNotAuthorized, "account o password del servizio di rinnovo errati", "wrong account or password for the renewal service"},
	{ReasonInsufficientBalance, FailNotAuthorized, "credito insufficiente per il rinnovo: ricaricare l'account", "insufficient balance for the renewal: top up the account"},
	{ReasonKeyReuse, FailBadCertTemplate, "la CA non consente di mantenere la stessa chiave: serve una chiave nuova", "the CA does not allow keeping the same key: a new key is needed"},
	{ReasonExtendNotAllowed, FailNotAuthorized, "la CA non consente di prolungare la validità con la stessa chiave", "the CA does not allow extending the validity with the same key"},
	{ReasonKeyTooSmall, FailBadCertTemplate, "la CA rifiuta la chiave: è troppo corta", "the CA refuses the key: it is too short"},
	{ReasonKeyAlgorithm, FailBadAlg, "la CA rifiuta la chiave: algoritmo o curva non ammessi", "the CA refuses the key: algorithm or curve not allowed"},
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

// Text returns the precise user message for the status in Italian and in English: the known reason if
// the CA gave one, else the failInfo bits, else the status, followed by the CA's own words.
func (s PKIStatusInfo) Text() (it, en string) {
	var its, ens []string
	if r, ok := s.Reason(); ok {
		for _, row := range reasonTable {
			if row.reason == r {
				its, ens = append(its, row.it), append(ens, row.en)
			}
		}
	} else {
		for _, row := range failInfoTable {
			if s.FailInfo.Has(row.bit) {
				its, ens = append(its, row.it), append(ens, row.en)
			}
		}
	}
	if len(its) == 0 {
		switch s.Status {
		case StatusRejection:
			its, ens = []string{"richiesta rifiutata dalla CA"}, []string{"request refused by the CA"}
		case StatusWaiting:
			its, ens = []string{"richiesta in lavorazione presso la CA"}, []string{"request being processed by the CA"}
		default:
			its, ens = []string{"risposta della CA: " + s.Status.String()}, []string{"CA answer: " + s.Status.String()}
		}
	}
	it, en = strings.Join(its, "; "), strings.Join(ens, "; ")
	words := strings.Join(s.StatusString, " ")
	if r, ok := s.Reason(); ok {
		words = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(words), string(r)+":"))
		if words == string(r) {
			words = ""
		}
	}
	if words != "" {
		it += " (la CA dice: «" + words + "»)"
		en += " (the CA says: \"" + words + "\")"
	}
	return it, en
}
