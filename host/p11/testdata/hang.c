#include "pkcs11go.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static CK_RV hang_initialize(CK_VOID_PTR args) {
	/* HANG_LOG: a file that gets one byte per entry, so a test can count how often the host called in. */
	const char *log = getenv("HANG_LOG");
	if (log != NULL) {
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
		if (fd >= 0) {
			(void)write(fd, "I", 1);
			close(fd);
		}
	}
	for (;;)
		pause();
	return CKR_OK;
}

static CK_FUNCTION_LIST list = {{2, 40}, hang_initialize};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
	*pp = &list;
	return CKR_OK;
}
