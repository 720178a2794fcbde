//go:build darwin || (linux && ponte_purego)

package ck

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Error is a CK_RV other than CKR_OK (PKCS#11 v2.40 §5.1).
type Error uint

func (e Error) Error() string { return fmt.Sprintf("pkcs11: 0x%X: %s", uint(e), rvNames[uint(e)]) }

// SessionHandle is a CK_SESSION_HANDLE.
type SessionHandle uint

// ObjectHandle is a CK_OBJECT_HANDLE.
type ObjectHandle uint

// Attribute is a CK_ATTRIBUTE with its value bytes.
type Attribute struct {
	Type  uint
	Value []byte
}

// Mechanism is a CK_MECHANISM with its parameter bytes.
type Mechanism struct {
	Mechanism uint
	Parameter []byte
}

// Version is CK_VERSION.
type Version struct{ Major, Minor byte }

// Info is CK_INFO (§5.4 C_GetInfo), blank padding trimmed.
type Info struct {
	CryptokiVersion    Version
	ManufacturerID     string
	Flags              uint
	LibraryDescription string
	LibraryVersion     Version
}

// SlotInfo is CK_SLOT_INFO (§5.5 C_GetSlotInfo).
type SlotInfo struct {
	SlotDescription string
	ManufacturerID  string
	Flags           uint
	HardwareVersion Version
	FirmwareVersion Version
}

// TokenInfo is CK_TOKEN_INFO (§5.5 C_GetTokenInfo).
type TokenInfo struct {
	Label              string
	ManufacturerID     string
	Model              string
	SerialNumber       string
	Flags              uint
	MaxSessionCount    uint
	SessionCount       uint
	MaxRwSessionCount  uint
	RwSessionCount     uint
	MaxPinLen          uint
	MinPinLen          uint
	TotalPublicMemory  uint
	FreePublicMemory   uint
	TotalPrivateMemory uint
	FreePrivateMemory  uint
	HardwareVersion    Version
	FirmwareVersion    Version
	UTCTime            string
}

// NewAttribute encodes x as the value of an attribute of type typ: integers as a native CK_ULONG, bool
// as CK_BBOOL, strings and byte slices as they are, a time as CK_DATE, nil as no value (a query).
func NewAttribute(typ uint, x any) *Attribute {
	a := &Attribute{Type: typ}
	switch v := x.(type) {
	case nil:
	case bool:
		a.Value = []byte{0}
		if v {
			a.Value[0] = 1
		}
	case int:
		a.Value = ulong(uint64(v))
	case int64:
		a.Value = ulong(uint64(v))
	case uint:
		a.Value = ulong(uint64(v))
	case uint32:
		a.Value = ulong(uint64(v))
	case uint64:
		a.Value = ulong(v)
	case string:
		a.Value = []byte(v)
	case []byte:
		a.Value = v
	case time.Time: // CK_DATE: YYYYMMDD as characters
		a.Value = []byte(v.Format("20060102"))
	default:
		panic(fmt.Sprintf("ck: unhandled attribute value type %T", x))
	}
	return a
}

// NewMechanism is a mechanism with its parameter: nil or the parameter's bytes.
func NewMechanism(mech uint, x any) *Mechanism {
	m := &Mechanism{Mechanism: mech}
	switch v := x.(type) {
	case nil:
	case []byte:
		m.Parameter = v
	default:
		panic(fmt.Sprintf("ck: unhandled mechanism parameter type %T", x))
	}
	return m
}

// NewPSSParams encodes CK_RSA_PKCS_PSS_PARAMS (§2.1.11 of the current mechanisms specification).
func NewPSSParams(hashAlg, mgf, saltLength uint) []byte {
	b := make([]byte, pssSize)
	putULong(b[pssHashAlg:], uint64(hashAlg))
	putULong(b[pssMGF:], uint64(mgf))
	putULong(b[pssSLen:], uint64(saltLength))
	return b
}

func ulong(v uint64) []byte        { b := make([]byte, ulongSize); putULong(b, v); return b }
func putULong(b []byte, v uint64)  { binary.LittleEndian.PutUint64(b, v) }
func getULong(b []byte) uint64     { return binary.LittleEndian.Uint64(b) }
func version(b []byte) Version     { return Version{b[0], b[1]} }
func blankTrimmed(b []byte) string { return strings.TrimRight(string(b), " ") }

// pins holds the Go memory a call hands to the module (buffers, out-parameters, and the buffers whose
// addresses go inside templates) pinned, so that it neither moves nor is freed until Unpin.
type pins struct{ runtime.Pinner }

func (p *pins) bytes(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	p.Pin(&b[0])
	return uintptr(unsafe.Pointer(&b[0]))
}

func (p *pins) ulong(v *uint64) uintptr {
	p.Pin(v)
	return uintptr(unsafe.Pointer(v))
}

func (p *pins) ulongs(v []uint64) uintptr {
	p.Pin(&v[0])
	return uintptr(unsafe.Pointer(&v[0]))
}

// unavailable is CK_UNAVAILABLE_INFORMATION, the length C_GetAttributeValue gives an attribute it
// cannot return.
const unavailable = ^uint64(0)

// Ctx is a loaded module: the library handle and its CK_FUNCTION_LIST.
type Ctx struct {
	lib uintptr
	fl  []uintptr // the function pointers, in funcNames order
}

// New loads a module with dlopen and asks it for its function list (§5.2 C_GetFunctionList); nil if
// either fails, as github.com/miekg/pkcs11 does.
func New(module string) *Ctx {
	h, err := purego.Dlopen(module, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil
	}
	get, err := purego.Dlsym(h, "C_GetFunctionList")
	if err != nil {
		purego.Dlclose(h)
		return nil
	}
	var list unsafe.Pointer // CK_FUNCTION_LIST_PTR: the module's own memory
	if r, _, _ := purego.SyscallN(get, uintptr(unsafe.Pointer(&list))); r != CKR_OK || list == nil {
		purego.Dlclose(h)
		return nil
	}
	fns := unsafe.Slice((*uintptr)(unsafe.Add(list, funcListFirst)), len(funcNames))
	return &Ctx{lib: h, fl: fns}
}

// Destroy unloads the module (dlclose); the Ctx is unusable afterwards.
func (c *Ctx) Destroy() {
	if c == nil || c.lib == 0 {
		return
	}
	purego.Dlclose(c.lib)
	c.lib, c.fl = 0, nil
}

// call runs the function at index f of the list; the Go memory it points to is pinned by the caller.
// Every argument is a CK_ULONG or a pointer, at most 8 of them (C_GenerateKeyPair): on arm64 all travel
// in registers x0-x7, so Apple's arm64 rule for stack arguments (packed by their size) never applies; on
// amd64 the 7th and 8th go on the stack in 8-byte slots under the System V ABI that macOS and Linux
// share, which the Linux tests of key generation exercise.
func (c *Ctx) call(f int, args ...uintptr) error {
	if c.fl == nil || c.fl[f] == 0 {
		return Error(CKR_FUNCTION_NOT_SUPPORTED)
	}
	r, _, _ := purego.SyscallN(c.fl[f], args...)
	if r != CKR_OK {
		return Error(r)
	}
	return nil
}

var (
	fInitialize        = funcIndex("C_Initialize")
	fFinalize          = funcIndex("C_Finalize")
	fGetInfo           = funcIndex("C_GetInfo")
	fGetSlotList       = funcIndex("C_GetSlotList")
	fGetSlotInfo       = funcIndex("C_GetSlotInfo")
	fGetTokenInfo      = funcIndex("C_GetTokenInfo")
	fInitToken         = funcIndex("C_InitToken")
	fInitPIN           = funcIndex("C_InitPIN")
	fSetPIN            = funcIndex("C_SetPIN")
	fOpenSession       = funcIndex("C_OpenSession")
	fCloseSession      = funcIndex("C_CloseSession")
	fCloseAllSessions  = funcIndex("C_CloseAllSessions")
	fGetSessionInfo    = funcIndex("C_GetSessionInfo")
	fLogin             = funcIndex("C_Login")
	fLogout            = funcIndex("C_Logout")
	fCreateObject      = funcIndex("C_CreateObject")
	fDestroyObject     = funcIndex("C_DestroyObject")
	fGetAttributeValue = funcIndex("C_GetAttributeValue")
	fFindObjectsInit   = funcIndex("C_FindObjectsInit")
	fFindObjects       = funcIndex("C_FindObjects")
	fFindObjectsFinal  = funcIndex("C_FindObjectsFinal")
	fSignInit          = funcIndex("C_SignInit")
	fSign              = funcIndex("C_Sign")
	fGenerateKeyPair   = funcIndex("C_GenerateKeyPair")
)

// Initialize calls C_Initialize with CKF_OS_LOCKING_OK: the module may use the OS's locks (§5.4).
func (c *Ctx) Initialize() error {
	var mem pins
	defer mem.Unpin()
	args := make([]byte, initArgsSize)
	putULong(args[initArgsFlags:], CKF_OS_LOCKING_OK)
	return c.call(fInitialize, mem.bytes(args))
}

// Finalize calls C_Finalize.
func (c *Ctx) Finalize() error { return c.call(fFinalize, 0) }

// GetInfo calls C_GetInfo.
func (c *Ctx) GetInfo() (Info, error) {
	var mem pins
	defer mem.Unpin()
	b := make([]byte, infoSize)
	if err := c.call(fGetInfo, mem.bytes(b)); err != nil {
		return Info{}, err
	}
	return Info{
		CryptokiVersion:    version(b[infoCryptokiVersion:]),
		ManufacturerID:     blankTrimmed(b[infoManufacturerID : infoManufacturerID+32]),
		Flags:              uint(getULong(b[infoFlags:])),
		LibraryDescription: blankTrimmed(b[infoLibraryDescription : infoLibraryDescription+32]),
		LibraryVersion:     version(b[infoLibraryVersion:]),
	}, nil
}

// GetSlotList calls C_GetSlotList, asking the count first.
func (c *Ctx) GetSlotList(tokenPresent bool) ([]uint, error) {
	var mem pins
	defer mem.Unpin()
	present := uintptr(0)
	if tokenPresent {
		present = 1
	}
	var ids []uint64
	for range 3 { // the count can grow between the two calls (CKR_BUFFER_TOO_SMALL)
		var n uint64
		if err := c.call(fGetSlotList, present, 0, mem.ulong(&n)); err != nil {
			return nil, err
		}
		ids = make([]uint64, n+1)
		n = uint64(len(ids))
		err := c.call(fGetSlotList, present, mem.ulongs(ids), mem.ulong(&n))
		if err == Error(CKR_BUFFER_TOO_SMALL) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out := make([]uint, min(n, uint64(len(ids))))
		for i := range out {
			out[i] = uint(ids[i])
		}
		return out, nil
	}
	return nil, Error(CKR_BUFFER_TOO_SMALL)
}

// GetSlotInfo calls C_GetSlotInfo.
func (c *Ctx) GetSlotInfo(slotID uint) (SlotInfo, error) {
	var mem pins
	defer mem.Unpin()
	b := make([]byte, slotInfoSize)
	if err := c.call(fGetSlotInfo, uintptr(slotID), mem.bytes(b)); err != nil {
		return SlotInfo{}, err
	}
	return SlotInfo{
		SlotDescription: blankTrimmed(b[slotDescription : slotDescription+64]),
		ManufacturerID:  blankTrimmed(b[slotManufacturerID : slotManufacturerID+32]),
		Flags:           uint(getULong(b[slotFlags:])),
		HardwareVersion: version(b[slotHardwareVersion:]),
		FirmwareVersion: version(b[slotFirmwareVersion:]),
	}, nil
}

// GetTokenInfo calls C_GetTokenInfo.
func (c *Ctx) GetTokenInfo(slotID uint) (TokenInfo, error) {
	var mem pins
	defer mem.Unpin()
	b := make([]byte, tokenInfoSize)
	if err := c.call(fGetTokenInfo, uintptr(slotID), mem.bytes(b)); err != nil {
		return TokenInfo{}, err
	}
	u := func(off int) uint { return uint(getULong(b[off:])) }
	return TokenInfo{
		Label:              blankTrimmed(b[tokenLabel : tokenLabel+32]),
		ManufacturerID:     blankTrimmed(b[tokenManufacturerID : tokenManufacturerID+32]),
		Model:              blankTrimmed(b[tokenModel : tokenModel+16]),
		SerialNumber:       blankTrimmed(b[tokenSerialNumber : tokenSerialNumber+16]),
		Flags:              u(tokenFlags),
		MaxSessionCount:    u(tokenMaxSessionCount),
		SessionCount:       u(tokenSessionCount),
		MaxRwSessionCount:  u(tokenMaxRwSessionCount),
		RwSessionCount:     u(tokenRwSessionCount),
		MaxPinLen:          u(tokenMaxPinLen),
		MinPinLen:          u(tokenMinPinLen),
		TotalPublicMemory:  u(tokenTotalPublicMemory),
		FreePublicMemory:   u(tokenFreePublicMemory),
		TotalPrivateMemory: u(tokenTotalPrivateMemory),
		FreePrivateMemory:  u(tokenFreePrivateMemory),
		HardwareVersion:    version(b[tokenHardwareVersion:]),
		FirmwareVersion:    version(b[tokenFirmwareVersion:]),
		UTCTime:            blankTrimmed(b[tokenUTCTime : tokenUTCTime+16]),
	}, nil
}

// secret copies a PIN into a buffer the module reads and returns a function that wipes it. An empty PIN
// is no buffer: pPin is NULL_PTR, as §5.6 (C_InitPIN, C_SetPIN, C_Login) asks when the token has a
// protected authentication path (PIN pad).
func secret(s string) ([]byte, func()) {
	if s == "" {
		return nil, func() {}
	}
	b := []byte(s)
	return b, func() { clear(b) }
}

// InitToken calls C_InitToken; the label is blank-padded to 32 bytes.
func (c *Ctx) InitToken(slotID uint, pin, label string) error {
	var mem pins
	defer mem.Unpin()
	p, wipe := secret(pin)
	defer wipe()
	l := []byte(label + strings.Repeat(" ", 32))[:32]
	return c.call(fInitToken, uintptr(slotID), mem.bytes(p), uintptr(len(pin)), mem.bytes(l))
}

// InitPIN calls C_InitPIN (the SO sets the user PIN).
func (c *Ctx) InitPIN(sh SessionHandle, pin string) error {
	var mem pins
	defer mem.Unpin()
	p, wipe := secret(pin)
	defer wipe()
	return c.call(fInitPIN, uintptr(sh), mem.bytes(p), uintptr(len(pin)))
}

// SetPIN calls C_SetPIN.
func (c *Ctx) SetPIN(sh SessionHandle, oldPIN, newPIN string) error {
	var mem pins
	defer mem.Unpin()
	o, wipeOld := secret(oldPIN)
	defer wipeOld()
	n, wipeNew := secret(newPIN)
	defer wipeNew()
	return c.call(fSetPIN, uintptr(sh), mem.bytes(o), uintptr(len(oldPIN)), mem.bytes(n), uintptr(len(newPIN)))
}

// OpenSession calls C_OpenSession without application callback.
func (c *Ctx) OpenSession(slotID, flags uint) (SessionHandle, error) {
	var mem pins
	defer mem.Unpin()
	var h uint64
	if err := c.call(fOpenSession, uintptr(slotID), uintptr(flags), 0, 0, mem.ulong(&h)); err != nil {
		return 0, err
	}
	return SessionHandle(h), nil
}

// CloseSession calls C_CloseSession.
func (c *Ctx) CloseSession(sh SessionHandle) error { return c.call(fCloseSession, uintptr(sh)) }

// CloseAllSessions calls C_CloseAllSessions.
func (c *Ctx) CloseAllSessions(slotID uint) error { return c.call(fCloseAllSessions, uintptr(slotID)) }

// SessionState calls C_GetSessionInfo and returns CK_SESSION_INFO.state (CKS_*).
func SessionState(c *Ctx, sh SessionHandle) (uint, error) {
	var mem pins
	defer mem.Unpin()
	b := make([]byte, sessionInfoSize)
	if err := c.call(fGetSessionInfo, uintptr(sh), mem.bytes(b)); err != nil {
		return 0, err
	}
	return uint(getULong(b[sessionState:])), nil
}

// Login calls C_Login.
func (c *Ctx) Login(sh SessionHandle, userType uint, pin string) error {
	var mem pins
	defer mem.Unpin()
	p, wipe := secret(pin)
	defer wipe()
	return c.call(fLogin, uintptr(sh), uintptr(userType), mem.bytes(p), uintptr(len(pin)))
}

// Logout calls C_Logout.
func (c *Ctx) Logout(sh SessionHandle) error { return c.call(fLogout, uintptr(sh)) }

// template lays out a CK_ATTRIBUTE array; the value buffers' addresses go inside it, so they are pinned
// until unpin.
func template(attrs []*Attribute, mem *pins) []byte {
	b := make([]byte, attrSize*len(attrs))
	for i, a := range attrs {
		e := b[i*attrSize:]
		putULong(e[attrType:], uint64(a.Type))
		if len(a.Value) > 0 {
			putULong(e[attrPValue:], uint64(mem.bytes(a.Value)))
		}
		putULong(e[attrValueLen:], uint64(len(a.Value)))
	}
	return b
}

// mechanism lays out the CK_MECHANISM of m[0] (the one github.com/miekg/pkcs11 uses too).
func mechanism(m []*Mechanism, mem *pins) []byte {
	b := make([]byte, mechSize)
	if len(m) == 0 {
		return b
	}
	putULong(b[mechType:], uint64(m[0].Mechanism))
	if p := m[0].Parameter; len(p) > 0 {
		putULong(b[mechParam:], uint64(mem.bytes(p)))
		putULong(b[mechParamLen:], uint64(len(p)))
	}
	return b
}

// CreateObject calls C_CreateObject.
func (c *Ctx) CreateObject(sh SessionHandle, temp []*Attribute) (ObjectHandle, error) {
	var mem pins
	defer mem.Unpin()
	t := template(temp, &mem)
	var h uint64
	if err := c.call(fCreateObject, uintptr(sh), mem.bytes(t), uintptr(len(temp)), mem.ulong(&h)); err != nil {
		return 0, err
	}
	return ObjectHandle(h), nil
}

// DestroyObject calls C_DestroyObject.
func (c *Ctx) DestroyObject(sh SessionHandle, oh ObjectHandle) error {
	return c.call(fDestroyObject, uintptr(sh), uintptr(oh))
}

// GetAttributeValue calls C_GetAttributeValue twice: for the lengths, then for the values (§5.7). An
// attribute the module cannot give keeps a nil Value only if the module answers CKR_OK; any other answer
// is the error, as in github.com/miekg/pkcs11.
func (c *Ctx) GetAttributeValue(sh SessionHandle, o ObjectHandle, a []*Attribute) ([]*Attribute, error) {
	query := make([]*Attribute, len(a))
	for i := range a {
		query[i] = &Attribute{Type: a[i].Type}
	}
	var mem pins
	defer mem.Unpin()
	t := template(query, &mem)
	if err := c.call(fGetAttributeValue, uintptr(sh), uintptr(o), mem.bytes(t), uintptr(len(a))); err != nil {
		return nil, err
	}
	for i, q := range query {
		if n := getULong(t[i*attrSize+attrValueLen:]); n != unavailable && n > 0 {
			q.Value = make([]byte, n)
		}
	}
	t = template(query, &mem)
	if err := c.call(fGetAttributeValue, uintptr(sh), uintptr(o), mem.bytes(t), uintptr(len(a))); err != nil {
		return nil, err
	}
	for i, q := range query {
		n := getULong(t[i*attrSize+attrValueLen:])
		switch {
		case n == unavailable:
			q.Value = nil
		case n < uint64(len(q.Value)):
			q.Value = q.Value[:n]
		}
	}
	return query, nil
}

// FindObjectsInit calls C_FindObjectsInit.
func (c *Ctx) FindObjectsInit(sh SessionHandle, temp []*Attribute) error {
	var mem pins
	defer mem.Unpin()
	t := template(temp, &mem)
	return c.call(fFindObjectsInit, uintptr(sh), mem.bytes(t), uintptr(len(temp)))
}

// FindObjects calls C_FindObjects for up to maxObjects handles; the bool is always false (the same
// signature as github.com/miekg/pkcs11).
func (c *Ctx) FindObjects(sh SessionHandle, maxObjects int) ([]ObjectHandle, bool, error) {
	var mem pins
	defer mem.Unpin()
	maxObjects = max(maxObjects, 1)
	hs := make([]uint64, maxObjects)
	var n uint64
	if err := c.call(fFindObjects, uintptr(sh), mem.ulongs(hs), uintptr(maxObjects), mem.ulong(&n)); err != nil {
		return nil, false, err
	}
	out := make([]ObjectHandle, min(n, uint64(maxObjects)))
	for i := range out {
		out[i] = ObjectHandle(hs[i])
	}
	return out, false, nil
}

// FindObjectsFinal calls C_FindObjectsFinal.
func (c *Ctx) FindObjectsFinal(sh SessionHandle) error { return c.call(fFindObjectsFinal, uintptr(sh)) }

// SignInit calls C_SignInit with m[0].
func (c *Ctx) SignInit(sh SessionHandle, m []*Mechanism, key ObjectHandle) error {
	var mem pins
	defer mem.Unpin()
	mech := mechanism(m, &mem)
	return c.call(fSignInit, uintptr(sh), mem.bytes(mech), uintptr(key))
}

// Sign calls C_Sign for the length, then for the signature (§5.2 conventions for output buffers).
func (c *Ctx) Sign(sh SessionHandle, message []byte) ([]byte, error) {
	var mem pins
	defer mem.Unpin()
	msg := message
	if len(msg) == 0 {
		msg = []byte{0} // a valid address for an empty message
	}
	var n uint64
	if err := c.call(fSign, uintptr(sh), mem.bytes(msg), uintptr(len(message)), 0, mem.ulong(&n)); err != nil {
		return nil, err
	}
	sig := make([]byte, max(n, 1))
	n = uint64(len(sig))
	if err := c.call(fSign, uintptr(sh), mem.bytes(msg), uintptr(len(message)), mem.bytes(sig), mem.ulong(&n)); err != nil {
		return nil, err
	}
	return sig[:min(n, uint64(len(sig)))], nil
}

// GenerateKeyPair calls C_GenerateKeyPair with m[0]; it returns the public and private key handles.
func (c *Ctx) GenerateKeyPair(sh SessionHandle, m []*Mechanism, public, private []*Attribute) (ObjectHandle, ObjectHandle, error) {
	var mem pins
	defer mem.Unpin()
	mech := mechanism(m, &mem)
	pub, priv := template(public, &mem), template(private, &mem)
	var pubH, privH uint64
	err := c.call(fGenerateKeyPair, uintptr(sh), mem.bytes(mech), mem.bytes(pub), uintptr(len(public)), mem.bytes(priv), uintptr(len(private)),
		mem.ulong(&pubH), mem.ulong(&privH))
	if err != nil {
		return 0, 0, err
	}
	return ObjectHandle(pubH), ObjectHandle(privH), nil
}
