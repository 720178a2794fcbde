//go:build !darwin && !(linux && ponte_purego)

package ck

import "github.com/miekg/pkcs11"

// The API subset host/p11 uses, as aliases of github.com/miekg/pkcs11.
type (
	Ctx           = pkcs11.Ctx
	Error         = pkcs11.Error
	Attribute     = pkcs11.Attribute
	Mechanism     = pkcs11.Mechanism
	SessionHandle = pkcs11.SessionHandle
	ObjectHandle  = pkcs11.ObjectHandle
	Info          = pkcs11.Info
	SlotInfo      = pkcs11.SlotInfo
	TokenInfo     = pkcs11.TokenInfo
	Version       = pkcs11.Version
)

// New loads a PKCS#11 module (dlopen and C_GetFunctionList); nil if it cannot.
func New(module string) *Ctx { return pkcs11.New(module) }

// SessionState calls C_GetSessionInfo and returns CK_SESSION_INFO.state (CKS_*).
func SessionState(c *Ctx, sh SessionHandle) (uint, error) {
	si, err := c.GetSessionInfo(sh)
	return si.State, err
}

// NewAttribute encodes a Go value as an attribute value (CK_ULONG, CK_BBOOL, bytes).
func NewAttribute(typ uint, x any) *Attribute { return pkcs11.NewAttribute(typ, x) }

// NewMechanism is a mechanism with its parameter bytes (or nil).
func NewMechanism(mech uint, x any) *Mechanism { return pkcs11.NewMechanism(mech, x) }

// NewPSSParams encodes CK_RSA_PKCS_PSS_PARAMS.
func NewPSSParams(hashAlg, mgf, saltLength uint) []byte {
	return pkcs11.NewPSSParams(hashAlg, mgf, saltLength)
}

const (
	CKS_RO_PUBLIC_SESSION             = pkcs11.CKS_RO_PUBLIC_SESSION
	CKS_RO_USER_FUNCTIONS             = pkcs11.CKS_RO_USER_FUNCTIONS
	CKS_RW_PUBLIC_SESSION             = pkcs11.CKS_RW_PUBLIC_SESSION
	CKS_RW_USER_FUNCTIONS             = pkcs11.CKS_RW_USER_FUNCTIONS
	CKS_RW_SO_FUNCTIONS               = pkcs11.CKS_RW_SO_FUNCTIONS
	CKA_ALWAYS_AUTHENTICATE           = pkcs11.CKA_ALWAYS_AUTHENTICATE
	CKA_ALWAYS_SENSITIVE              = pkcs11.CKA_ALWAYS_SENSITIVE
	CKA_CERTIFICATE_TYPE              = pkcs11.CKA_CERTIFICATE_TYPE
	CKA_CLASS                         = pkcs11.CKA_CLASS
	CKA_EC_PARAMS                     = pkcs11.CKA_EC_PARAMS
	CKA_EC_POINT                      = pkcs11.CKA_EC_POINT
	CKA_EXTRACTABLE                   = pkcs11.CKA_EXTRACTABLE
	CKA_ID                            = pkcs11.CKA_ID
	CKA_ISSUER                        = pkcs11.CKA_ISSUER
	CKA_KEY_TYPE                      = pkcs11.CKA_KEY_TYPE
	CKA_LABEL                         = pkcs11.CKA_LABEL
	CKA_LOCAL                         = pkcs11.CKA_LOCAL
	CKA_MODULUS                       = pkcs11.CKA_MODULUS
	CKA_MODULUS_BITS                  = pkcs11.CKA_MODULUS_BITS
	CKA_NEVER_EXTRACTABLE             = pkcs11.CKA_NEVER_EXTRACTABLE
	CKA_PRIVATE                       = pkcs11.CKA_PRIVATE
	CKA_PUBLIC_EXPONENT               = pkcs11.CKA_PUBLIC_EXPONENT
	CKA_SENSITIVE                     = pkcs11.CKA_SENSITIVE
	CKA_SERIAL_NUMBER                 = pkcs11.CKA_SERIAL_NUMBER
	CKA_SIGN                          = pkcs11.CKA_SIGN
	CKA_SUBJECT                       = pkcs11.CKA_SUBJECT
	CKA_TOKEN                         = pkcs11.CKA_TOKEN
	CKA_VALUE                         = pkcs11.CKA_VALUE
	CKA_VERIFY                        = pkcs11.CKA_VERIFY
	CKC_X_509                         = pkcs11.CKC_X_509
	CKF_HW_SLOT                       = pkcs11.CKF_HW_SLOT
	CKF_LOGIN_REQUIRED                = pkcs11.CKF_LOGIN_REQUIRED
	CKF_OS_LOCKING_OK                 = pkcs11.CKF_OS_LOCKING_OK
	CKF_PROTECTED_AUTHENTICATION_PATH = pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH
	CKF_REMOVABLE_DEVICE              = pkcs11.CKF_REMOVABLE_DEVICE
	CKF_RW_SESSION                    = pkcs11.CKF_RW_SESSION
	CKF_SERIAL_SESSION                = pkcs11.CKF_SERIAL_SESSION
	CKF_SO_PIN_COUNT_LOW              = pkcs11.CKF_SO_PIN_COUNT_LOW
	CKF_SO_PIN_FINAL_TRY              = pkcs11.CKF_SO_PIN_FINAL_TRY
	CKF_SO_PIN_LOCKED                 = pkcs11.CKF_SO_PIN_LOCKED
	CKF_SO_PIN_TO_BE_CHANGED          = pkcs11.CKF_SO_PIN_TO_BE_CHANGED
	CKF_TOKEN_INITIALIZED             = pkcs11.CKF_TOKEN_INITIALIZED
	CKF_TOKEN_PRESENT                 = pkcs11.CKF_TOKEN_PRESENT
	CKF_USER_PIN_COUNT_LOW            = pkcs11.CKF_USER_PIN_COUNT_LOW
	CKF_USER_PIN_FINAL_TRY            = pkcs11.CKF_USER_PIN_FINAL_TRY
	CKF_USER_PIN_INITIALIZED          = pkcs11.CKF_USER_PIN_INITIALIZED
	CKF_USER_PIN_LOCKED               = pkcs11.CKF_USER_PIN_LOCKED
	CKF_USER_PIN_TO_BE_CHANGED        = pkcs11.CKF_USER_PIN_TO_BE_CHANGED
	CKF_WRITE_PROTECTED               = pkcs11.CKF_WRITE_PROTECTED
	CKG_MGF1_SHA256                   = pkcs11.CKG_MGF1_SHA256
	CKG_MGF1_SHA384                   = pkcs11.CKG_MGF1_SHA384
	CKG_MGF1_SHA512                   = pkcs11.CKG_MGF1_SHA512
	CKK_EC                            = pkcs11.CKK_EC
	CKK_RSA                           = pkcs11.CKK_RSA
	CKM_ECDSA                         = pkcs11.CKM_ECDSA
	CKM_RSA_PKCS                      = pkcs11.CKM_RSA_PKCS
	CKM_RSA_PKCS_KEY_PAIR_GEN         = pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN
	CKM_RSA_PKCS_PSS                  = pkcs11.CKM_RSA_PKCS_PSS
	CKM_SHA256                        = pkcs11.CKM_SHA256
	CKM_SHA384                        = pkcs11.CKM_SHA384
	CKM_SHA512                        = pkcs11.CKM_SHA512
	CKO_CERTIFICATE                   = pkcs11.CKO_CERTIFICATE
	CKO_PRIVATE_KEY                   = pkcs11.CKO_PRIVATE_KEY
	CKO_PUBLIC_KEY                    = pkcs11.CKO_PUBLIC_KEY
	CKR_ARGUMENTS_BAD                 = pkcs11.CKR_ARGUMENTS_BAD
	CKR_ATTRIBUTE_SENSITIVE           = pkcs11.CKR_ATTRIBUTE_SENSITIVE
	CKR_ATTRIBUTE_TYPE_INVALID        = pkcs11.CKR_ATTRIBUTE_TYPE_INVALID
	CKR_ATTRIBUTE_VALUE_INVALID       = pkcs11.CKR_ATTRIBUTE_VALUE_INVALID
	CKR_BUFFER_TOO_SMALL              = pkcs11.CKR_BUFFER_TOO_SMALL
	CKR_CANT_LOCK                     = pkcs11.CKR_CANT_LOCK
	CKR_CRYPTOKI_ALREADY_INITIALIZED  = pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED
	CKR_CRYPTOKI_NOT_INITIALIZED      = pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED
	CKR_DATA_LEN_RANGE                = pkcs11.CKR_DATA_LEN_RANGE
	CKR_DEVICE_ERROR                  = pkcs11.CKR_DEVICE_ERROR
	CKR_DEVICE_MEMORY                 = pkcs11.CKR_DEVICE_MEMORY
	CKR_DEVICE_REMOVED                = pkcs11.CKR_DEVICE_REMOVED
	CKR_FUNCTION_CANCELED             = pkcs11.CKR_FUNCTION_CANCELED
	CKR_FUNCTION_FAILED               = pkcs11.CKR_FUNCTION_FAILED
	CKR_FUNCTION_NOT_SUPPORTED        = pkcs11.CKR_FUNCTION_NOT_SUPPORTED
	CKR_GENERAL_ERROR                 = pkcs11.CKR_GENERAL_ERROR
	CKR_HOST_MEMORY                   = pkcs11.CKR_HOST_MEMORY
	CKR_KEY_FUNCTION_NOT_PERMITTED    = pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED
	CKR_KEY_HANDLE_INVALID            = pkcs11.CKR_KEY_HANDLE_INVALID
	CKR_KEY_SIZE_RANGE                = pkcs11.CKR_KEY_SIZE_RANGE
	CKR_KEY_TYPE_INCONSISTENT         = pkcs11.CKR_KEY_TYPE_INCONSISTENT
	CKR_MECHANISM_INVALID             = pkcs11.CKR_MECHANISM_INVALID
	CKR_MECHANISM_PARAM_INVALID       = pkcs11.CKR_MECHANISM_PARAM_INVALID
	CKR_OBJECT_HANDLE_INVALID         = pkcs11.CKR_OBJECT_HANDLE_INVALID
	CKR_OK                            = pkcs11.CKR_OK
	CKR_PIN_EXPIRED                   = pkcs11.CKR_PIN_EXPIRED
	CKR_PIN_INCORRECT                 = pkcs11.CKR_PIN_INCORRECT
	CKR_PIN_INVALID                   = pkcs11.CKR_PIN_INVALID
	CKR_PIN_LEN_RANGE                 = pkcs11.CKR_PIN_LEN_RANGE
	CKR_PIN_LOCKED                    = pkcs11.CKR_PIN_LOCKED
	CKR_SESSION_CLOSED                = pkcs11.CKR_SESSION_CLOSED
	CKR_SESSION_HANDLE_INVALID        = pkcs11.CKR_SESSION_HANDLE_INVALID
	CKR_SLOT_ID_INVALID               = pkcs11.CKR_SLOT_ID_INVALID
	CKR_TEMPLATE_INCONSISTENT         = pkcs11.CKR_TEMPLATE_INCONSISTENT
	CKR_TOKEN_NOT_PRESENT             = pkcs11.CKR_TOKEN_NOT_PRESENT
	CKR_TOKEN_NOT_RECOGNIZED          = pkcs11.CKR_TOKEN_NOT_RECOGNIZED
	CKR_TOKEN_WRITE_PROTECTED         = pkcs11.CKR_TOKEN_WRITE_PROTECTED
	CKR_USER_ALREADY_LOGGED_IN        = pkcs11.CKR_USER_ALREADY_LOGGED_IN
	CKR_USER_NOT_LOGGED_IN            = pkcs11.CKR_USER_NOT_LOGGED_IN
	CKR_USER_PIN_NOT_INITIALIZED      = pkcs11.CKR_USER_PIN_NOT_INITIALIZED
	CKU_CONTEXT_SPECIFIC              = pkcs11.CKU_CONTEXT_SPECIFIC
	CKU_SO                            = pkcs11.CKU_SO
	CKU_USER                          = pkcs11.CKU_USER
)

// CKR_USER_ANOTHER_ALREADY_LOGGED_IN (PKCS#11 v2.40 §5.1): the token is logged in as the other user type
// (host/p11 ErrBusy). In its own block so the table above keeps its alignment.
const CKR_USER_ANOTHER_ALREADY_LOGGED_IN = pkcs11.CKR_USER_ANOTHER_ALREADY_LOGGED_IN
