package protocol

// Card commands. A card is named by its ID (Card.ID: the card serial from EF_IDCarta, or the PKCS#11 token
// serial when the card has no CNS files), which survives removal and reinsertion, unlike a reader name.
const (
	CmdCards            = "cards"
	CmdLogin            = "login"
	CmdLogout           = "logout"
	CmdSign             = "sign"
	CmdGenerateKey      = "generate-key"
	CmdWriteCertificate = "write-certificate"
	CmdDeleteObjects    = "delete-objects"
	CmdChangePIN        = "change-pin"
	CmdUnblockPIN       = "unblock-pin"
	CmdDiagnose         = "diagnose"
)

// CardsResult lists readers and the cards in them.
type CardsResult struct {
	Readers []Reader `json:"readers"`
}

// Reader is a PC/SC reader and its card, if any.
type Reader struct {
	Name   string `json:"name"`
	PINPad bool   `json:"pinPad,omitempty"`
	Card   *Card  `json:"card,omitempty"`
}

// Card is what the host knows of an inserted card without a PIN.
type Card struct {
	ID           string        `json:"id"`
	ATR          string        `json:"atr"` // hex
	Family       Family        `json:"family"`
	Holder       *Holder       `json:"holder,omitempty"`
	Number       string        `json:"number,omitempty"` // the number printed on the card, where derivable
	Certificates []Certificate `json:"certificates"`
	Token        *Token        `json:"token,omitempty"` // nil when no PKCS#11 module sees the card
	Problem      *Error        `json:"problem,omitempty"`
}

// Family is the card family identified from the ATR (internal/cns table).
type Family struct {
	Sigla      string   `json:"sigla"` // e.g. "AC 2018", "ST 2021"; "" when unknown
	Name       string   `json:"name"`
	Maker      string   `json:"maker,omitempty"`
	Chip       string   `json:"chip,omitempty"`
	CNSVersion string   `json:"cnsVersion,omitempty"`
	KeyBits    int      `json:"keyBits,omitempty"`
	Drivers    []string `json:"drivers,omitempty"`
	NeedsPUK   bool     `json:"needsPUK,omitempty"` // renewal asks PIN and PUK (AC 2014/2018)
	Reinsert   bool     `json:"reinsert,omitempty"` // remove and reinsert after renewal
	Known      bool     `json:"known"`
	// Match says how the family was found (internal/cns: "atr", "cns-rule", "cns", "cns-files",
	// "cie-rule", "unknown"); "cns-files" is a CNS the ATR did not tell, identified from its files or
	// token, with Evidence listing what it said.
	Match    string   `json:"match,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
	// Package is the driver package the Sistema TS portal offers for this family on the host's OS (seed
	// 001); RenewalDriver the middleware seed 000 asks for to renew it on this OS (AC 2014/2018: IDP).
	Package       string `json:"package,omitempty"`
	RenewalDriver string `json:"renewalDriver,omitempty"`
}

// Holder is the personal data read from EF_DatiPersonali.
type Holder struct {
	Surname       string `json:"surname"`
	Name          string `json:"name"`
	FiscalCode    string `json:"fiscalCode"`
	BirthDate     string `json:"birthDate,omitempty"` // YYYY-MM-DD
	Sex           string `json:"sex,omitempty"`
	IssueDate     string `json:"issueDate,omitempty"`
	ExpiryDate    string `json:"expiryDate,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	BirthPlace    string `json:"birthPlace,omitempty"`
	FiscalCodeBad bool   `json:"fiscalCodeBad,omitempty"` // check character does not match
}

// Certificate is a certificate on the card with its role.
type Certificate struct {
	ID                 string `json:"id"`   // CKA_ID, hex; "" when read from PC/SC files only
	Role               string `json:"role"` // "cns" (authentication), "signature" (nonRepudiation), "other"
	Label              string `json:"label,omitempty"`
	Subject            string `json:"subject"`
	Issuer             string `json:"issuer"`
	Serial             string `json:"serial"`    // hex
	NotBefore          string `json:"notBefore"` // RFC 3339
	NotAfter           string `json:"notAfter"`
	KeyType            string `json:"keyType"` // "RSA", "EC"
	KeyBits            int    `json:"keyBits"`
	DER                []byte `json:"der"`
	HasKey             bool   `json:"hasKey"`                       // the matching private key is on the token
	AlwaysAuthenticate bool   `json:"alwaysAuthenticate,omitempty"` // the key asks the PIN for each signature
}

// Token is the PKCS#11 view of the card.
type Token struct {
	Module    string    `json:"module"` // path of the PKCS#11 library
	Driver    string    `json:"driver"` // driver table name, e.g. "bit4id-xpki"
	Label     string    `json:"label"`
	Serial    string    `json:"serial"`
	PIN       PINStatus `json:"pin"`
	FreeBytes int64     `json:"freeBytes"` // -1 when the token does not say
	LoggedIn  bool      `json:"loggedIn"`
	// WriteProtected: the token signs but cannot be written (CKF_WRITE_PROTECTED, PKCS#11 v2.40 §3.2;
	// e.g. a card reached through a middleware without write support): no renewal is offered.
	WriteProtected bool `json:"writeProtected,omitempty"`
}

// PINStatus carries the token's flags (PKCS#11 CK_TOKEN_INFO.flags), never the PIN.
type PINStatus struct {
	CountLow  bool `json:"countLow,omitempty"`
	FinalTry  bool `json:"finalTry,omitempty"`
	Locked    bool `json:"locked,omitempty"`
	PUKLocked bool `json:"pukLocked,omitempty"`
	// PUKCountLow and PUKFinalTry are the SO PIN's flags (CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY).
	PUKCountLow bool `json:"pukCountLow,omitempty"`
	PUKFinalTry bool `json:"pukFinalTry,omitempty"`
	PINPad      bool `json:"pinPad,omitempty"` // protected authentication path: type the PIN on the reader
	MinLen      int  `json:"minLen,omitempty"`
	MaxLen      int  `json:"maxLen,omitempty"`
	// Tries is the number of PIN tries left where the card reports it (ISO/IEC 7816-4 VERIFY without
	// data: 63Cx, asked over PC/SC and never spending a try), 0 when it is not known; a blocked PIN is
	// Locked. PKCS#11 itself reports only the flags above (no module here documents a counter attribute).
	Tries int `json:"tries,omitempty"`
}

// Login opens a PIN session on the card for this connection; it lasts until logout, the end of the
// connection or the card's removal. PIN is empty for a PIN-pad reader. The host never retries.
//
// With SO set the login is the security officer's (CKU_SO) with PUK instead (PIN empty): the cards whose
// certificate objects only the SO writes (AC 2014/2018) need it to write and remove certificates. Only one
// of user and SO can be logged in at a time (PKCS#11 v2.40 §5.6): log out between them.
type Login struct {
	Card string `json:"card"`
	PIN  Secret `json:"pin,omitempty"`
	SO   bool   `json:"so,omitempty"`
	PUK  Secret `json:"puk,omitempty"`
}

// CardRef names a card.
type CardRef struct {
	Card string `json:"card"`
}

// PINResult is the answer to login, change-pin and unblock-pin.
type PINResult struct {
	PIN PINStatus `json:"pin"`
}

// Sign asks for a signature over a digest with a key on the card. PIN is set only for keys with
// alwaysAuthenticate (context-specific login).
type Sign struct {
	Card      string `json:"card"`
	Key       string `json:"key"`       // CKA_ID hex
	Mechanism string `json:"mechanism"` // "rsa-pkcs1", "rsa-pss", "ecdsa"
	Hash      string `json:"hash"`      // "sha256", "sha384", "sha512"
	Digest    []byte `json:"digest"`
	PIN       Secret `json:"pin,omitempty"`
	// TokenSerial: as in WriteCertificate.
	TokenSerial string `json:"tokenSerial,omitempty"`
}

// SignResult is the signature (PKCS#1 v1.5 / PSS bytes, or ASN.1 DER ECDSA).
type SignResult struct {
	Signature []byte `json:"signature"`
}

// GenerateKey makes a new RSA key pair on the card; the private key is sensitive and not extractable. If a
// key pair with this label is already on the card (a renewal interrupted after the card made it), that
// pair is returned instead of a second one.
type GenerateKey struct {
	Card  string `json:"card"`
	Bits  int    `json:"bits"`
	Label string `json:"label"`
	// AlwaysAuthenticate makes the private key ask the PIN for each signature (CKA_ALWAYS_AUTHENTICATE),
	// as the key it replaces did: a qualified signature key stays under the holder's sole control.
	AlwaysAuthenticate bool `json:"alwaysAuthenticate,omitempty"`
	// TokenSerial: as in WriteCertificate.
	TokenSerial string `json:"tokenSerial,omitempty"`
}

// GenerateKeyResult names the new key.
type GenerateKeyResult struct {
	Key       string `json:"key"`       // CKA_ID hex
	PublicKey []byte `json:"publicKey"` // DER SubjectPublicKeyInfo
}

// WriteCertificate stores a certificate on the card bound to the key with the same CKA_ID.
type WriteCertificate struct {
	Card  string `json:"card"`
	Key   string `json:"key"`
	Label string `json:"label"`
	DER   []byte `json:"der"`
	// TokenSerial, when set, is the token the caller means (Token.Serial as it read it): the host refuses
	// the command with CARD_REMOVED when the reader holds another, e.g. a card swapped between two
	// commands of a renewal for one of the same family, which a card without EF_IDCarta cannot tell by ID.
	TokenSerial string `json:"tokenSerial,omitempty"`
}

// DeleteObjects removes objects with one CKA_ID: the private and/or public key, and the certificate object
// whose value is exactly Certificate (so a renewal can remove the old certificate of a key that keeps its
// new one). Deleting nothing is refused.
type DeleteObjects struct {
	Card string `json:"card"`
	Key  string `json:"key"`
	// Label names the key pair instead of Key: only a pair a renewal generated ("ponte-" + renewal ID),
	// removed on rollback when the card made it but its CKA_ID never reached the journal.
	Label       string `json:"label,omitempty"`
	PrivateKey  bool   `json:"privateKey,omitempty"`
	PublicKey   bool   `json:"publicKey,omitempty"`
	Certificate []byte `json:"certificate,omitempty"`
	// TokenSerial: as in WriteCertificate.
	TokenSerial string `json:"tokenSerial,omitempty"`
}

// ChangePIN and UnblockPIN: the host never logs or keeps them.
type ChangePIN struct {
	Card string `json:"card"`
	Old  Secret `json:"old"`
	New  Secret `json:"new"`
}

type UnblockPIN struct {
	Card string `json:"card"`
	PUK  Secret `json:"puk"`
	New  Secret `json:"new"`
}

// Empty is the result of commands that return nothing.
type Empty struct{}
