/*
 * fuzz_json.c: libwwd's JSON bridge, JSON text in. Whatever
 * wwd_json_to_msgpack accepts must be a valid message (ipc_check at the
 * clone depth), must convert back to JSON, that JSON must parse, and
 * printing it again gives the same text: the bridge is stable after one
 * trip (not before: white space, key escapes and number spellings go).
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "fuzz.h"
#include "wwd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why = NULL;
	void		*m1 = NULL, *m2 = NULL;
	char		*j1 = NULL, *j2 = NULL;
	size_t		 n1, n2, jn1, jn2;
	int		 rc;

	rc = wwd_json_to_msgpack((const char *)data, size, &m1, &n1, &why);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL && why != NULL,
		    "refused with %d and no reason", rc);
		return 0;
	}
	FUZZ_ASSERT(ipc_check(m1, n1, IPC_CLONE_DEPTH, &why) == 0,
	    "accepted JSON made an invalid message: %s", why);
	rc = wwd_msgpack_to_json(m1, n1, &j1, &jn1, &why);
	FUZZ_ASSERT(rc == 0, "its message does not convert back: %s", why);
	FUZZ_ASSERT(strlen(j1) == jn1, "JSON length is wrong");
	rc = wwd_json_to_msgpack(j1, jn1, &m2, &n2, &why);
	FUZZ_ASSERT(rc == 0, "JSON we wrote does not parse: %s: %s", why,
	    j1);
	rc = wwd_msgpack_to_json(m2, n2, &j2, &jn2, &why);
	FUZZ_ASSERT(rc == 0, "second trip does not print: %s", why);
	FUZZ_ASSERT(jn1 == jn2 && memcmp(j1, j2, jn1) == 0,
	    "JSON is not stable after one trip: %s then %s", j1, j2);
	free(m1);
	free(m2);
	free(j1);
	free(j2);
	return 0;
}
