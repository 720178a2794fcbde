// Package p11 does every PKCS#11 operation Ponte needs on a card: find and load the right module, list
// slots and tokens, match them to PC/SC readers, list certificates with their role, log in, sign, generate
// keys, write and delete objects, change and unblock the PIN.
//
// # Finding modules
//
// Locator.FindAll: PONTE_PKCS11_MODULE (one path or several, ':'-separated, ';' on Windows) overrides
// everything; then "pkcs11_modules" in the host configuration file (DefaultConfigFile); then the first
// installed library of every driver of the Drivers table (drivers.go), the card families' drivers first,
// so a card is found through whichever installed module sees it (host/cards matches tokens to readers
// in that order). Diagnose reports per driver whether it is installed and loads, with an Italian and
// English hint (DiagnoseDrivers).
//
// # Isolation
//
// One *pkcs11.Ctx per library path (Manager), initialised once and finalised on Close. Every call is
// bounded in time (Timeouts); a module whose call overruns is marked dead and answers ErrModuleFailed from
// then on, while other modules keep working. A module finalised under us (CKR_CRYPTOKI_NOT_INITIALIZED)
// is initialised again by the next Manager.Load. What in-process isolation cannot do is survive a module
// that crashes the process: ProbeSubprocess loads an unknown module in a child process first (the host's
// main must call RunProbeIfRequested).
//
// # Tokens
//
// A Token is one slot; its operations are serialised by a per-token lock and run in one read/write
// session. A removed card (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID, ... or a
// token that stops answering C_GetTokenInfo after a failure) is ErrCardRemoved, retriable: the session is
// dropped and the next call, after reinsertion, opens a new one.
//
// # Errors
//
// Every error wraps one of the Err* kinds (errors.Is) and is usually an *Error carrying the CKR_ code and,
// for PIN operations, the token's PIN flags after the attempt. ProtocolCode maps a kind onto the stable
// protocol error codes.
//
// # PINs
//
// PINs and PUKs are []byte, never logged or stored, and tried exactly once per call: Login never retries,
// and does not even try when the token already reports the PIN locked. The PUK is the token's SO PIN
// (C_Login CKU_SO + C_InitPIN), as OpenSC's itacns driver and the vendor middlewares map it.
package p11
