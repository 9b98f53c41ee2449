/*
 * json.h: a small strict JSON reader for the integration tests, so they
 * compare what wwctl prints by value (numbers as doubles, strings as
 * UTF-8 after unescaping, object keys in order) rather than by spelling.
 * Test-only: the programs under test never link it.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* One value; the parse result owns the whole tree. */
struct json {
	enum json_type	  type;
	int		  b;
	double		  num;
	char		 *str;		/* UTF-8, NUL-terminated */
	size_t		  len;		/* bytes, or element count */
	char		**keys;		/* object keys, in order */
	struct json	**items;	/* array elements or object values */
};

struct json		*json_parse(const char *, const char **);
void			 json_free(struct json *);
const struct json	*json_get(const struct json *, const char *);
int			 json_equal(const struct json *,
			    const struct json *);

#endif
