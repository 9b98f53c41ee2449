/*
 * fixes.c: correct native replacements for mujs 1.3.2 built-ins that
 * break correct programs. Each fix names the defect it replaces and has
 * a test in tests/js/.
 *
 * - encodeURI/encodeURIComponent percent-encode each half of a
 *   surrogate pair separately (%ED%A0%BD...) instead of the character's
 *   UTF-8, and accept lone surrogates; decodeURI/decodeURIComponent do
 *   not turn 4-byte UTF-8 back into a pair. ECMA-262 15.1.3.
 */
#include <stdlib.h>
#include <string.h>

#include "worker.h"

static const char	uri_reserved[] = ";/?:@&=+$,#";
static const char	uri_mark[] = "-_.!~*'()";

/* Whether c is left alone by encodeURI (full) or encodeURIComponent. */
static int
uri_unescaped(unsigned c, int full)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	if (c == 0 || c > 0x7f)
		return 0;
	return strchr(uri_mark, (int)c) != NULL ||
	    (full && strchr(uri_reserved, (int)c) != NULL);
}

/*
 * Decode one code unit of a mujs string at *p (advancing it): returns
 * the UTF-16 code unit, or the code point when *p held a whole pair.
 */
static unsigned
next_unit(const unsigned char **p)
{
	const unsigned char	*s = *p;
	unsigned		 c;

	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0 && s[1] != 0) {
		*p += 2;
		return (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if ((s[0] & 0xf0) == 0xe0 && s[1] != 0 && s[2] != 0) {
		*p += 3;
		c = (unsigned)(s[0] & 0x0f) << 12 |
		    (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return c;
	}
	if ((s[0] & 0xf8) == 0xf0 && s[1] != 0 && s[2] != 0 && s[3] != 0) {
		*p += 4;
		return (unsigned)(s[0] & 0x07) << 18 |
		    (unsigned)(s[1] & 0x3f) << 12 |
		    (unsigned)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	}
	*p += 1;
	return 0xfffd;
}

/* encodeURI(Component) of argument 1 into out. May throw. */
static void
uri_encode(js_State *J, struct ipc_buf *out, int full)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)js_tostring(J, 1);
	char			 esc[12];

	while (*p != '\0') {
		unsigned	c = next_unit(&p);
		uint8_t		u[4];
		int		n, i;

		if (c >= 0xdc00 && c <= 0xdfff)
			js_urierror(J, "URI malformed");
		if (c >= 0xd800 && c <= 0xdbff) {
			const unsigned char	*q = p;
			unsigned		 lo = *q ? next_unit(&q) : 0;

			if (lo < 0xdc00 || lo > 0xdfff)
				js_urierror(J, "URI malformed");
			p = q;
			c = 0x10000 + ((c - 0xd800) << 10 | (lo - 0xdc00));
		}
		if (uri_unescaped(c, full)) {
			esc[0] = (char)c;
			if (ipc_buf_append(out, esc, 1) < 0)
				js_error(J, "out of memory");
			continue;
		}
		if (c < 0x80) {
			u[0] = (uint8_t)c;
			n = 1;
		} else if (c < 0x800) {
			u[0] = (uint8_t)(0xc0 | c >> 6);
			u[1] = (uint8_t)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			u[0] = (uint8_t)(0xe0 | c >> 12);
			u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			u[2] = (uint8_t)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			u[0] = (uint8_t)(0xf0 | c >> 18);
			u[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
			u[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			u[3] = (uint8_t)(0x80 | (c & 0x3f));
			n = 4;
		}
		for (i = 0; i < n; i++) {
			esc[3 * i] = '%';
			esc[3 * i + 1] = hex[u[i] >> 4];
			esc[3 * i + 2] = hex[u[i] & 15];
		}
		if (ipc_buf_append(out, esc, (size_t)(3 * n)) < 0)
			js_error(J, "out of memory");
	}
}

/* The byte of the escape "%XY" at s, or -1. */
static int
escape_at(const char *s)
{
	int	hi, lo;

	if (s[0] != '%' || (hi = url_hexval(s[1])) < 0 ||
	    (lo = url_hexval(s[2])) < 0)
		return -1;
	return hi << 4 | lo;
}

/*
 * decodeURI(Component) of argument 1 into out as wire UTF-8 (validated:
 * overlong forms, surrogates and values over U+10FFFF are URIErrors).
 * decodeURI keeps the escapes of reserved characters and '#'. May throw.
 */
static void
uri_decode(js_State *J, struct ipc_buf *out, int full)
{
	const char	*s = js_tostring(J, 1);
	size_t		 i = 0, n = strlen(s);

	while (i < n) {
		uint8_t		u[4];
		int		b, k, len;
		unsigned	c;

		if (s[i] != '%') {
			if (ipc_buf_append(out, s + i, 1) < 0)
				js_error(J, "out of memory");
			i++;
			continue;
		}
		if ((b = escape_at(s + i)) < 0)
			js_urierror(J, "URI malformed");
		if (b < 0x80) {
			int	keep = full && b != 0 &&
			    strchr(uri_reserved, b) != NULL;

			u[0] = (uint8_t)b;
			if (ipc_buf_append(out, keep ? (const void *)(s + i) :
			    u, keep ? 3 : 1) < 0)
				js_error(J, "out of memory");
			i += 3;
			continue;
		}
		len = (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 :
		    (b & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0)
			js_urierror(J, "URI malformed");
		u[0] = (uint8_t)b;
		c = (unsigned)b & (0xff >> (len + 1));
		for (k = 1; k < len; k++) {
			b = i + 3 * (size_t)k < n ?
			    escape_at(s + i + 3 * (size_t)k) : -1;
			if (b < 0 || (b & 0xc0) != 0x80)
				js_urierror(J, "URI malformed");
			u[k] = (uint8_t)b;
			c = c << 6 | (b & 0x3f);
		}
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			js_urierror(J, "URI malformed");
		if (ipc_buf_append(out, u, (size_t)len) < 0)
			js_error(J, "out of memory");
		i += 3 * (size_t)len;
	}
}

/*
 * Run a URI function into a scratch buffer and push its result through
 * text.c (which pairs characters above U+FFFF); the buffer is freed
 * whether it throws or not.
 */
static void
uri_run(js_State *J, void (*fn)(js_State *, struct ipc_buf *, int),
    int full)
{
	struct ipc_buf	out;

	ipc_buf_init(&out);
	if (js_try(J)) {
		ipc_buf_clear(&out);
		js_throw(J);
	}
	fn(J, &out, full);
	text_push(J, (const char *)ipc_buf_head(&out), ipc_buf_used(&out));
	js_endtry(J);
	ipc_buf_clear(&out);
}

static void
fn_encode_uri(js_State *J)
{
	uri_run(J, uri_encode, 1);
}

static void
fn_encode_uri_component(js_State *J)
{
	uri_run(J, uri_encode, 0);
}

static void
fn_decode_uri(js_State *J)
{
	uri_run(J, uri_decode, 1);
}

static void
fn_decode_uri_component(js_State *J)
{
	uri_run(J, uri_decode, 0);
}

static void
replace_global(js_State *J, const char *name, js_CFunction f)
{
	js_newcfunction(J, f, name, 1);
	js_defglobal(J, name, JS_DONTENUM);
}

/* Install the replacements on the global object. */
void
fixes_install(struct worker *w)
{
	replace_global(w->J, "encodeURI", fn_encode_uri);
	replace_global(w->J, "encodeURIComponent", fn_encode_uri_component);
	replace_global(w->J, "decodeURI", fn_decode_uri);
	replace_global(w->J, "decodeURIComponent", fn_decode_uri_component);
}
