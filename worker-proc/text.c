/*
 * text.c: strings between the wire and mujs. On the wire a string is
 * UTF-8; a string with a lone surrogate, which UTF-8 cannot hold, is
 * WTF-8 (the surrogate as its 3-byte generalized form) in an ext. mujs
 * keeps strings as NUL-terminated modified UTF-8 with one rune per UTF-16
 * code unit: NUL is C0 80, and a character above U+FFFF must be a
 * surrogate pair of two 3-byte sequences for length, charCodeAt and
 * slicing to behave as in browsers.
 * Every string that enters or leaves the worker goes through here.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "worker.h"

#define TEXT_BLOCK	512	/* bytes scanned at once by wire_needs */

/*
 * Whether wire bytes hold a NUL or a 4-byte sequence: a byte b with
 * (unsigned char)(b - 1) >= 0xef. A block at a time through the largest
 * such value, a loop the compiler turns into vector compares: long
 * strings are the ones whose scan costs, and they seldom need anything.
 * Built twice, the AVX2 build chosen at load where the CPU has it (32
 * bytes a compare, not 16: 64 KiB messages 2-5% faster).
 */
__attribute__((target_clones("avx2", "default"))) static int
wire_needs(const unsigned char *p, size_t n)
{
	size_t		i = 0, k;
	unsigned char	c, m;

	for (; n - i >= TEXT_BLOCK; i += TEXT_BLOCK) {
		for (m = 0, k = 0; k < TEXT_BLOCK; k++) {
			c = (unsigned char)(p[i + k] - 1);
			m = c > m ? c : m;
		}
		if (m >= 0xef)
			return 1;
	}
	for (; i < n; i++)
		if ((unsigned char)(p[i] - 1) >= 0xef)
			return 1;
	return 0;
}

/* Whether a mujs string holds C0 80 or a surrogate (ED A0..BF). */
static int
js_needs(const unsigned char *s)
{
	for (; *s != '\0'; s++)
		if ((s[0] == 0xc0 && s[1] == 0x80) ||
		    (s[0] == 0xed && s[1] >= 0xa0))
			return 1;
	return 0;
}

static char *
put3(char *o, unsigned c)
{
	*o++ = (char)(0xe0 | c >> 12);
	*o++ = (char)(0x80 | (c >> 6 & 0x3f));
	*o++ = (char)(0x80 | (c & 0x3f));
	return o;
}

/*
 * The mujs form of n wire bytes as a malloc'd NUL-terminated string
 * (*len its length), or NULL when out of memory. Invalid UTF-8 passes
 * through byte for byte.
 */
char *
text_js(const char *p, size_t n, size_t *len)
{
	const unsigned char	*s = (const unsigned char *)p;
	char			*out, *o;
	size_t			 i;

	if ((out = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i++) {
		if (s[i] == 0) {
			*o++ = (char)0xc0;
			*o++ = (char)0x80;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4 && n - i >= 4 &&
		    (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80 &&
		    (s[i + 3] & 0xc0) == 0x80) {
			unsigned c = (unsigned)(s[i] & 0x07) << 18 |
			    (unsigned)(s[i + 1] & 0x3f) << 12 |
			    (unsigned)(s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);

			c -= 0x10000;
			o = put3(o, 0xd800 | c >> 10);
			o = put3(o, 0xdc00 | (c & 0x3ff));
			i += 3;
		} else
			*o++ = (char)s[i];
	}
	*o = '\0';
	if (len != NULL)
		*len = (size_t)(o - out);
	return out;
}

/*
 * Whether n bytes are well-formed generalized UTF-8 (WTF-8): UTF-8 that
 * may also hold surrogates as 3-byte sequences, with no overlong forms
 * and nothing above U+10FFFF.
 */
int
text_wtf8_valid(const uint8_t *p, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i += k)
		if ((k = ipc_utf8_char(p + i, n - i, 1)) == 0)
			return 0;
	return 1;
}

/* Push n wire bytes as a JS string. May throw. */
void
text_push(js_State *J, const char *p, size_t n)
{
	char	*s;
	size_t	 len;

	if (!wire_needs((const unsigned char *)p, n)) {
		js_pushlstring(J, p, (int)n);
		return;
	}
	if ((s = text_js(p, n, &len)) == NULL)
		js_error(J, "out of memory");
	text_push_owned(J, s, len);
}

/* Push the n bytes at s as a string and free s, also when that throws. */
void
text_push_owned(js_State *J, char *s, size_t n)
{
	if (js_try(J)) {
		free(s);
		js_throw(J);
	}
	js_pushlstring(J, s, (int)n);
	js_endtry(J);
	free(s);
}

/*
 * Write the wire form of the mujs string s to out, which has room for
 * strlen(s) + 1 bytes (the wire form is never longer); returns its
 * length. out may be s itself.
 */
size_t
text_wire(const char *s, char *out)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*o = out;

	while (*p != '\0') {
		if (p[0] == 0xc0 && p[1] == 0x80) {
			*o++ = '\0';
			p += 2;
		} else if (p[0] == 0xed && p[1] >= 0xa0 && p[1] <= 0xaf &&
		    p[2] != 0 && p[3] == 0xed && p[4] >= 0xb0 &&
		    p[4] <= 0xbf && p[5] != 0) {
			unsigned hi = (unsigned)(p[1] & 0x0f) << 6 | (p[2] & 0x3f);
			unsigned lo = (unsigned)(p[4] & 0x0f) << 6 | (p[5] & 0x3f);
			unsigned c = 0x10000 + (hi << 10 | lo);

			*o++ = (char)(0xf0 | c >> 18);
			*o++ = (char)(0x80 | (c >> 12 & 0x3f));
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
			p += 6;
		} else
			*o++ = (char)*p++;
	}
	return (size_t)(o - out);
}

/*
 * Whether the wire bytes at p (n of them) start a lone surrogate: ED
 * A0..BF, pairs being joined in the wire form.
 */
static int
wire_lone_at(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0xed && p[1] >= 0xa0;
}

/* Whether wire bytes hold a lone surrogate. */
static int
wire_lone(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (wire_lone_at(p + i, n - i))
			return 1;
	return 0;
}

/*
 * Make n wire bytes UTF-8 in place: each lone surrogate becomes U+FFFD,
 * three bytes as it was (WHATWG's UTF-8 encode of a JS string).
 */
void
text_wire_usv(char *s, size_t n)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 i;

	for (i = 0; i + 3 <= n; i++)
		if (wire_lone_at(p + i, n - i))
			memcpy(p + i, "\xef\xbf\xbd", 3);
}

/*
 * Pack the mujs string s in wire form: a msgpack str, or, when it holds
 * a lone surrogate that UTF-8 cannot express, ext TEXT_EXT_WTF8 with the
 * same bytes (WTF-8). 0 or -1.
 */
int
text_pack(msgpack_packer *pk, const char *s)
{
	size_t	 n = strlen(s), len;
	char	*tmp;
	int	 rc;

	if (!js_needs((const unsigned char *)s))
		return msgpack_pack_str_with_body(pk, s, n);
	if ((tmp = malloc(n + 1)) == NULL)
		return -1;
	len = text_wire(s, tmp);
	if (wire_lone((const unsigned char *)tmp, len))
		rc = msgpack_pack_ext_with_body(pk, tmp, len, TEXT_EXT_WTF8);
	else
		rc = msgpack_pack_str_with_body(pk, tmp, len);
	free(tmp);
	return rc;
}

/* The wire form of the mujs string s as a malloc'd copy, or NULL. */
char *
text_wire_dup(const char *s, size_t *len)
{
	char	*out;
	size_t	 n;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	n = text_wire(s, out);
	out[n] = '\0';
	if (len != NULL)
		*len = n;
	return out;
}
