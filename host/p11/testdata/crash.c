#include "pkcs11go.h"
#include <stdlib.h>

static CK_RV crash_initialize(CK_VOID_PTR args) {
	abort();
	return CKR_OK;
}

static CK_FUNCTION_LIST list = {{2, 40}, crash_initialize};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
	*pp = &list;
	return CKR_OK;
}
