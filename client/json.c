/*
 * json.c: what libwwd's JSON bridge (JSON text <-> the message
 * encoding, see the payload rules and "The JSON form" in
 * docs/protocol.md) shares between its two halves, json_read.c (the
 * parser) and json_write.c (the printer): the records of the tagged
 * form, UTF-8 and WTF-8 code points, and a look at packed msgpack
 * values. No state.
 */
#include <string.h>

#include "client.h"

/* In the order json_read.c's json_tags names them after its leaves. */
const struct wwd_json_rec wwd_json_recs[] = {
	{ "Boolean", "b", { "value" }, NULL, 0, 16, 0 },
	{ "Number", "n", { "value" }, NULL, 0, 17, 0 },
	{ "String", "s", { "value" }, NULL, 0, 18, 0 },
	{ "RegExp", "ss", { "source", "flags" }, NULL, 0, 19, 0 },
	{ "array", "u", { "length" }, "items", 'k', 20, 1 },
	{ "Error", "ss", { "name", "message" }, NULL, 0, 21, 1 },
	{ "Map", "", { NULL }, "entries", '*', 22, 0 },
	{ "Set", "", { NULL }, "values", 0, 23, 0 },
	{ "view", "uBuu", { "kind", "buffer", "byteOffset", "length" }, NULL,
	    0, 24, 0 },
};
const size_t wwd_json_nrecs = sizeof wwd_json_recs / sizeof wwd_json_recs[0];

/*
 * Append code point cp as UTF-8 (a surrogate as its 3-byte WTF-8
 * form).
 */
int
wwd_json_put_utf8(struct ipc_buf *b, unsigned cp)
{
	uint8_t	u[4];
	size_t	n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ipc_buf_append(b, u, n);
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n) (1-4), or 0 if it
 * is not one (overlong forms, surrogates, above U+10FFFF, truncated).
 * *cp receives the code point.
 */
size_t
wwd_json_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned	c = s[0], min, k, len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		*cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		*cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[k] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Whether a map key or ext 2 string starts at p: its bytes, length. */
int
wwd_json_mp_string(const uint8_t *p, const uint8_t **s, uint32_t *len)
{
	uint8_t	c = p[0];

	if (c >= 0xa0 && c <= 0xbf) {
		*len = c & 0x1f;
		*s = p + 1;
	} else if (c == 0xd9) {
		*len = p[1];
		*s = p + 2;
	} else if (c == 0xda) {
		*len = (uint32_t)p[1] << 8 | p[2];
		*s = p + 3;
	} else if (c == 0xdb) {
		*len = ipc_get32(p + 1);
		*s = p + 5;
	} else if (c >= 0xd4 && c <= 0xd8 && p[1] == 2) {
		*len = 1u << (c - 0xd4);
		*s = p + 2;
	} else if (c == 0xc7 && p[2] == 2) {
		*len = p[1];
		*s = p + 3;
	} else if (c == 0xc8 && p[3] == 2) {
		*len = (uint32_t)p[1] << 8 | p[2];
		*s = p + 4;
	} else if (c == 0xc9 && p[5] == 2) {
		*len = ipc_get32(p + 1);
		*s = p + 6;
	} else
		return 0;
	return 1;
}

/*
 * Whether the msgpack value at p is of kind k (see struct wwd_json_rec; a
 * list key 'k' is an index or a name, '*' anything).
 */
int
wwd_json_mp_kind(const uint8_t *p, char k)
{
	const uint8_t	*s;
	uint32_t	 len;
	uint8_t		 c = p[0];
	/* Up to 2^63 - 1: JSON reads larger integers back as doubles. */
	int		 uint = c <= 0x7f || (c >= 0xcc && c <= 0xce) ||
			    (c == 0xcf && p[1] < 0x80);
	int		 str = wwd_json_mp_string(p, &s, &len);

	switch (k) {
	case 'b':
		return c == 0xc2 || c == 0xc3;
	case 'n':
		return uint || c >= 0xe0 || (c >= 0xd0 && c <= 0xd3) ||
		    c == 0xca || c == 0xcb;
	case 's':
		return str;
	case 'u':
		return uint;
	case 'k':
		return uint || str;
	case 'B':
		return (c >= 0xc4 && c <= 0xc6) || (c == 0xd6 && p[1] == 1);
	default:
		return 1;
	}
}
