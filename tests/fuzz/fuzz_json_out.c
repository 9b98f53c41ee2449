/*
 * fuzz_json_out.c: libwwd's JSON bridge, message bytes in (what a
 * worker sends a client). wwd_msgpack_to_json must refuse what
 * ipc_check refuses, and the JSON it writes for the rest must be text
 * wwd_json_to_msgpack parses.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "fuzz.h"
#include "wwd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why = NULL, *cwhy = NULL;
	void		*m = NULL;
	char		*j = NULL;
	size_t		 n, jn;
	int		 rc, valid;

	valid = ipc_check(data, size, IPC_CLONE_DEPTH, &cwhy) == 0;
	rc = wwd_msgpack_to_json(data, size, &j, &jn, &why);
	if (!valid) {
		FUZZ_ASSERT(rc == -EINVAL, "converted a message ipc_check "
		    "refuses (%s)", cwhy);
		return 0;
	}
	if (rc < 0) {
		/* Valid msgpack JSON cannot say (ext, non-string keys). */
		FUZZ_ASSERT(rc == -EINVAL && why != NULL,
		    "refused with %d and no reason", rc);
		return 0;
	}
	FUZZ_ASSERT(strlen(j) == jn, "JSON length is wrong");
	rc = wwd_json_to_msgpack(j, jn, &m, &n, &why);
	FUZZ_ASSERT(rc == 0, "JSON we wrote does not parse: %s: %s", why, j);
	free(m);
	free(j);
	return 0;
}
