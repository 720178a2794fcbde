#include "pkcs11go.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#define TRIES 3

static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST list;
static int user_tries = TRIES, so_tries = TRIES;
static CK_USER_TYPE logged_as = (CK_USER_TYPE)-1;

static CK_RV shim_login(CK_SESSION_HANDLE s, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
	int *tries = (who == CKU_SO) ? &so_tries : &user_tries;
	if (*tries == 0)
		return CKR_PIN_LOCKED;
	const char *pad = getenv("LOCKSHIM_PINPAD");
	if (pad != NULL && who != CKU_SO) {
		/* PIN-pad reader: the application must pass NULL_PTR (PKCS#11 v2.40 5.6 C_Login); the
		 * "reader" supplies the PIN the user typed on it. */
		if (pin != NULL || len != 0)
			return CKR_ARGUMENTS_BAD;
		pin = (CK_UTF8CHAR_PTR)pad;
		len = strlen(pad);
	}
	CK_RV rv = real->C_Login(s, who, pin, len);
	if (rv == CKR_PIN_INCORRECT)
		(*tries)--;
	else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		*tries = TRIES;
		if (who != CKU_CONTEXT_SPECIFIC)
			logged_as = who;
	}
	return rv;
}

static CK_RV shim_logout(CK_SESSION_HANDLE s) {
	logged_as = (CK_USER_TYPE)-1;
	return real->C_Logout(s);
}

static CK_RV shim_init_pin(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
	CK_RV rv = real->C_InitPIN(s, pin, len);
	if (rv == CKR_OK)
		user_tries = TRIES;
	return rv;
}

static CK_FLAGS counter_flags(int tries, CK_FLAGS low, CK_FLAGS final, CK_FLAGS locked) {
	if (tries == 0)
		return locked;
	if (tries == 1)
		return low | final;
	if (tries < TRIES)
		return low;
	return 0;
}

static CK_RV shim_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
	CK_RV rv = real->C_GetTokenInfo(slot, info);
	if (rv != CKR_OK)
		return rv;
	info->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED |
			 CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED);
	info->flags |= counter_flags(user_tries, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
	info->flags |= counter_flags(so_tries, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
	if (getenv("LOCKSHIM_PINPAD") != NULL)
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	/* LOCKSHIM_WRITE_PROTECTED: a token that signs but cannot be written (a card reached through a
	 * middleware without write support), PKCS#11 v2.40 §3.2 CKF_WRITE_PROTECTED. */
	if (getenv("LOCKSHIM_WRITE_PROTECTED") != NULL)
		info->flags |= CKF_WRITE_PROTECTED;
	return rv;
}

static CK_RV shim_generate_key_pair(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub, CK_ULONG npub,
				     CK_ATTRIBUTE_PTR priv, CK_ULONG npriv, CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv) {
	if (getenv("LOCKSHIM_WRITE_PROTECTED") != NULL)
		return CKR_TOKEN_WRITE_PROTECTED;
	return real->C_GenerateKeyPair(s, m, pub, npub, priv, npriv, hpub, hpriv);
}

/* LOCKSHIM_FAIL_CERT_WRITES=N: the first N certificate objects created in this process are refused
 * (CKR_TEMPLATE_INCONSISTENT, a final error): a card that rejects a renewal's new certificate. */
static int cert_writes_failed;

static int is_certificate(CK_ATTRIBUTE_PTR t, CK_ULONG n) {
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == CKA_CLASS && t[i].ulValueLen == sizeof(CK_OBJECT_CLASS) &&
		    *(CK_OBJECT_CLASS *)t[i].pValue == CKO_CERTIFICATE)
			return 1;
	return 0;
}

static CK_RV shim_create_object(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h) {
	if (getenv("LOCKSHIM_WRITE_PROTECTED") != NULL)
		return CKR_TOKEN_WRITE_PROTECTED;
	const char *fail = getenv("LOCKSHIM_FAIL_CERT_WRITES");
	if (fail != NULL && is_certificate(t, n) && cert_writes_failed < atoi(fail)) {
		cert_writes_failed++;
		return CKR_TEMPLATE_INCONSISTENT;
	}
	return real->C_CreateObject(s, t, n, h);
}

/* LOCKSHIM_PUBLIC_SESSION: C_GetSessionInfo reports every session as CKS_RW_PUBLIC_SESSION, also one
 * logged in as the user: a module whose session states are not to be trusted (some report the state
 * oddly); the objects a logged-in session sees are SoftHSM's, unchanged. */
static CK_RV shim_session_info(CK_SESSION_HANDLE s, CK_SESSION_INFO_PTR info) {
	CK_RV rv = real->C_GetSessionInfo(s, info);
	if (rv == CKR_OK && getenv("LOCKSHIM_PUBLIC_SESSION") != NULL)
		info->state = CKS_RW_PUBLIC_SESSION;
	return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
	if (real == NULL) {
		/* LOCKSHIM_USER_TRIES: the user PIN's tries left when the module loads (0: a card whose PIN
		 * was blocked before). */
		const char *left = getenv("LOCKSHIM_USER_TRIES");
		if (left != NULL)
			user_tries = atoi(left);
		const char *path = getenv("LOCKSHIM_MODULE");
		void *h = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
		if (h == NULL)
			return CKR_GENERAL_ERROR;
		CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
		if (get == NULL || get(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		list = *real;
		list.C_Login = shim_login;
		list.C_Logout = shim_logout;
		list.C_InitPIN = shim_init_pin;
		list.C_GetTokenInfo = shim_token_info;
		list.C_GenerateKeyPair = shim_generate_key_pair;
		list.C_CreateObject = shim_create_object;
		list.C_GetSessionInfo = shim_session_info;
	}
	*pp = &list;
	return CKR_OK;
}
