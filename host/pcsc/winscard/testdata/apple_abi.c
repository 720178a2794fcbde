/*
 * A PC/SC library with the ABI of macOS's PCSC.framework, forwarding to pcsc-lite, so that the Linux
 * tests run package winscard's macOS layout (abiApple) against a real pcscd. PCSC.framework's headers
 * (MacOSX SDK, PCSC.framework/Headers/wintypes.h and pcsclite.h) declare DWORD as uint32_t, LONG,
 * SCARDCONTEXT and SCARDHANDLE as int32_t, and SCARD_READERSTATE and SCARD_IO_REQUEST under
 * #pragma pack(1); pcsc-lite on 64-bit Linux uses unsigned long / long and natural alignment.
 *
 * Built by apple_abi_test.go: gcc -shared -fPIC -I/usr/include/PCSC apple_abi.c -ldl
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* pcsc-lite's declarations, renamed so that this file can define the macOS-ABI functions. */
#define SCardEstablishContext lite_SCardEstablishContext
#define SCardReleaseContext lite_SCardReleaseContext
#define SCardCancel lite_SCardCancel
#define SCardListReaders lite_SCardListReaders
#define SCardGetStatusChange lite_SCardGetStatusChange
#define SCardConnect lite_SCardConnect
#define SCardDisconnect lite_SCardDisconnect
#define SCardBeginTransaction lite_SCardBeginTransaction
#define SCardEndTransaction lite_SCardEndTransaction
#define SCardStatus lite_SCardStatus
#define SCardTransmit lite_SCardTransmit
#include <winscard.h>
#undef SCardEstablishContext
#undef SCardReleaseContext
#undef SCardCancel
#undef SCardListReaders
#undef SCardGetStatusChange
#undef SCardConnect
#undef SCardDisconnect
#undef SCardBeginTransaction
#undef SCardEndTransaction
#undef SCardStatus
#undef SCardTransmit

#pragma pack(1)
typedef struct {
	const char *szReader;
	void *pvUserData;
	uint32_t dwCurrentState;
	uint32_t dwEventState;
	uint32_t cbAtr;
	unsigned char rgbAtr[33];
} apple_READERSTATE;
typedef struct {
	uint32_t dwProtocol;
	uint32_t cbPciLength;
} apple_IO_REQUEST;
#pragma pack()

_Static_assert(sizeof(apple_READERSTATE) == 61, "PCSC.framework SCARD_READERSTATE is 61 bytes");
_Static_assert(sizeof(apple_IO_REQUEST) == 8, "PCSC.framework SCARD_IO_REQUEST is 8 bytes");

static void *lite;
#define REAL(name) \
	static __typeof__(lite_##name) *real = NULL; \
	if (!real) { \
		if (!lite) lite = dlopen("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL); \
		if (lite) real = (__typeof__(lite_##name) *)dlsym(lite, #name); \
		if (!real) return (int32_t)SCARD_E_NO_SERVICE; \
	}

int32_t SCardEstablishContext(uint32_t scope, const void *r1, const void *r2, int32_t *ctx) {
	REAL(SCardEstablishContext)
	SCARDCONTEXT c = 0;
	LONG rv = real(scope, r1, r2, &c);
	*ctx = (int32_t)c;
	return (int32_t)rv;
}

int32_t SCardReleaseContext(int32_t ctx) {
	REAL(SCardReleaseContext)
	return (int32_t)real(ctx);
}

int32_t SCardCancel(int32_t ctx) {
	REAL(SCardCancel)
	return (int32_t)real(ctx);
}

int32_t SCardListReaders(int32_t ctx, const char *groups, char *readers, uint32_t *len) {
	REAL(SCardListReaders)
	DWORD n = *len;
	LONG rv = real(ctx, groups, readers, &n);
	*len = (uint32_t)n;
	return (int32_t)rv;
}

int32_t SCardGetStatusChange(int32_t ctx, uint32_t timeout, apple_READERSTATE *states, uint32_t count) {
	REAL(SCardGetStatusChange)
	SCARD_READERSTATE *rs = calloc(count ? count : 1, sizeof *rs);
	if (!rs) return (int32_t)SCARD_E_NO_MEMORY;
	for (uint32_t i = 0; i < count; i++) {
		rs[i].szReader = states[i].szReader;
		rs[i].pvUserData = states[i].pvUserData;
		rs[i].dwCurrentState = states[i].dwCurrentState;
		rs[i].dwEventState = states[i].dwEventState;
		rs[i].cbAtr = states[i].cbAtr;
		memcpy(rs[i].rgbAtr, states[i].rgbAtr, sizeof rs[i].rgbAtr);
	}
	/* INFINITE is 0xFFFFFFFF in both ABIs: the value passes unchanged. */
	LONG rv = real(ctx, timeout, rs, count);
	for (uint32_t i = 0; i < count; i++) {
		states[i].dwEventState = (uint32_t)rs[i].dwEventState;
		states[i].cbAtr = (uint32_t)rs[i].cbAtr;
		memcpy(states[i].rgbAtr, rs[i].rgbAtr, sizeof states[i].rgbAtr);
	}
	free(rs);
	return (int32_t)rv;
}

int32_t SCardConnect(int32_t ctx, const char *reader, uint32_t share, uint32_t protocols, int32_t *card, uint32_t *active) {
	REAL(SCardConnect)
	SCARDHANDLE h = 0;
	DWORD p = 0;
	LONG rv = real(ctx, reader, share, protocols, &h, &p);
	*card = (int32_t)h;
	*active = (uint32_t)p;
	return (int32_t)rv;
}

int32_t SCardDisconnect(int32_t card, uint32_t disposition) {
	REAL(SCardDisconnect)
	return (int32_t)real(card, disposition);
}

int32_t SCardBeginTransaction(int32_t card) {
	REAL(SCardBeginTransaction)
	return (int32_t)real(card);
}

int32_t SCardEndTransaction(int32_t card, uint32_t disposition) {
	REAL(SCardEndTransaction)
	return (int32_t)real(card, disposition);
}

int32_t SCardStatus(int32_t card, char *names, uint32_t *namesLen, uint32_t *state, uint32_t *protocol,
		unsigned char *atr, uint32_t *atrLen) {
	REAL(SCardStatus)
	DWORD nl = *namesLen, st = 0, pr = 0, al = *atrLen;
	LONG rv = real(card, names, &nl, &st, &pr, atr, &al);
	*namesLen = (uint32_t)nl;
	*state = (uint32_t)st;
	*protocol = (uint32_t)pr;
	*atrLen = (uint32_t)al;
	return (int32_t)rv;
}

int32_t SCardTransmit(int32_t card, const apple_IO_REQUEST *send, const unsigned char *cmd, uint32_t cmdLen,
		apple_IO_REQUEST *recv, unsigned char *rsp, uint32_t *rspLen) {
	REAL(SCardTransmit)
	if (!send || send->cbPciLength != sizeof(apple_IO_REQUEST))
		return (int32_t)SCARD_E_INVALID_PARAMETER; /* the caller must send the macOS-sized PCI */
	SCARD_IO_REQUEST s = {send->dwProtocol, sizeof(SCARD_IO_REQUEST)}, r = {0, sizeof(SCARD_IO_REQUEST)};
	DWORD n = *rspLen;
	LONG rv = real(card, &s, cmd, cmdLen, &r, rsp, &n);
	if (recv) {
		recv->dwProtocol = (uint32_t)r.dwProtocol;
		recv->cbPciLength = sizeof(apple_IO_REQUEST);
	}
	*rspLen = (uint32_t)n;
	return (int32_t)rv;
}
