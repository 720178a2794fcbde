package ck

// C layouts of the PKCS#11 structures, as pkcs11t.h (v2.40) declares them and as every Unix module is
// compiled: CK_ULONG is unsigned long (8 bytes on LP64: macOS and 64-bit Linux alike), pointers are 8
// bytes and structures keep their natural alignment (pkcs11.h: the 1-byte packing convention is for
// Windows; "In a UNIX environment, you're on your own", and Unix modules use the default). layout_test.go
// checks every number with the C compiler against the header. Byte order is little-endian (amd64, arm64).
const (
	ulongSize = 8

	// CK_INFO {CK_VERSION cryptokiVersion; CK_UTF8CHAR manufacturerID[32]; CK_FLAGS flags;
	// CK_UTF8CHAR libraryDescription[32]; CK_VERSION libraryVersion}
	infoCryptokiVersion    = 0
	infoManufacturerID     = 2
	infoFlags              = 40
	infoLibraryDescription = 48
	infoLibraryVersion     = 80
	infoSize               = 88

	// CK_SLOT_INFO {slotDescription[64]; manufacturerID[32]; flags; hardwareVersion; firmwareVersion}
	slotDescription     = 0
	slotManufacturerID  = 64
	slotFlags           = 96
	slotHardwareVersion = 104
	slotFirmwareVersion = 106
	slotInfoSize        = 112

	// CK_SESSION_INFO {CK_SLOT_ID slotID; CK_STATE state; CK_FLAGS flags; CK_ULONG ulDeviceError}
	sessionState    = 8
	sessionInfoSize = 32

	// CK_TOKEN_INFO {label[32]; manufacturerID[32]; model[16]; serialNumber[16]; flags; eleven CK_ULONG
	// counters; hardwareVersion; firmwareVersion; utcTime[16]}
	tokenLabel              = 0
	tokenManufacturerID     = 32
	tokenModel              = 64
	tokenSerialNumber       = 80
	tokenFlags              = 96
	tokenMaxSessionCount    = 104
	tokenSessionCount       = 112
	tokenMaxRwSessionCount  = 120
	tokenRwSessionCount     = 128
	tokenMaxPinLen          = 136
	tokenMinPinLen          = 144
	tokenTotalPublicMemory  = 152
	tokenFreePublicMemory   = 160
	tokenTotalPrivateMemory = 168
	tokenFreePrivateMemory  = 176
	tokenHardwareVersion    = 184
	tokenFirmwareVersion    = 186
	tokenUTCTime            = 188
	tokenInfoSize           = 208

	// CK_ATTRIBUTE {CK_ATTRIBUTE_TYPE type; CK_VOID_PTR pValue; CK_ULONG ulValueLen}
	attrType     = 0
	attrPValue   = 8
	attrValueLen = 16
	attrSize     = 24

	// CK_MECHANISM {CK_MECHANISM_TYPE mechanism; CK_VOID_PTR pParameter; CK_ULONG ulParameterLen}
	mechType     = 0
	mechParam    = 8
	mechParamLen = 16
	mechSize     = 24

	// CK_C_INITIALIZE_ARGS {CreateMutex; DestroyMutex; LockMutex; UnlockMutex; CK_FLAGS flags;
	// CK_VOID_PTR pReserved}
	initArgsFlags = 32
	initArgsSize  = 48

	// CK_RSA_PKCS_PSS_PARAMS {CK_MECHANISM_TYPE hashAlg; CK_RSA_PKCS_MGF_TYPE mgf; CK_ULONG sLen}
	pssHashAlg = 0
	pssMGF     = 8
	pssSLen    = 16
	pssSize    = 24

	// CK_FUNCTION_LIST {CK_VERSION version; then one pointer per function in funcNames order}
	funcListFirst = 8
)

// funcNames is the order of the function pointers in CK_FUNCTION_LIST (pkcs11f.h, v2.40; the same 68
// in v2.20 and in CK_FUNCTION_LIST of v3.0).
var funcNames = [...]string{
	"C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo",
	"C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN",
	"C_OpenSession", "C_CloseSession", "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
	"C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
	"C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit", "C_FindObjects",
	"C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", "C_DecryptInit",
	"C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest", "C_DigestUpdate",
	"C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal",
	"C_SignRecoverInit", "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal",
	"C_VerifyRecoverInit", "C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate",
	"C_SignEncryptUpdate", "C_DecryptVerifyUpdate", "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey",
	"C_UnwrapKey", "C_DeriveKey", "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus",
	"C_CancelFunction", "C_WaitForSlotEvent",
}

// funcIndex is the position of a function in CK_FUNCTION_LIST.
func funcIndex(name string) int {
	for i, n := range funcNames {
		if n == name {
			return i
		}
	}
	panic("ck: no PKCS#11 function " + name)
}
