#include "pkcs11go.h"
#include <unistd.h>

static CK_RV hang_initialize(CK_VOID_PTR args) {
	for (;;)
		pause();
	return CKR_OK;
}

static CK_FUNCTION_LIST list = {{2, 40}, hang_initialize};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
	*pp = &list;
	return CKR_OK;
}
