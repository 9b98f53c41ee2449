/*
 * fixes.c: correct native replacements for mujs 1.3.2 built-ins that
 * break correct programs. Each fix names the defect it replaces and has
 * a test in tests/js/.
 *
 * - encodeURI/encodeURIComponent percent-encode each half of a
 *   surrogate pair separately (%ED%A0%BD...) instead of the character's
 *   UTF-8, and accept lone surrogates; decodeURI/decodeURIComponent do
 *   not turn 4-byte UTF-8 back into a pair. ECMA-262 15.1.3.
 * - Object.keys sees no elements of an array (nor of a String object);
 *   both it and Object.getOwnPropertyNames list integer keys as
 *   strings, not in ascending numeric order ("10" before "2").
 * - toFixed, toExponential and toPrecision round exact ties to even
 *   ((2.5).toFixed(0) is "2"), and toPrecision drops trailing zeros.
 * - String.prototype.split with a regexp misses a match at index 0;
 *   substr is missing; lastIndexOf ignores an explicit undefined
 *   fromIndex; splice(start) removes nothing; parseInt skips only
 *   ASCII blanks, reads "0x" as 0 and loses digits of long numbers;
 *   parseFloat likewise skips only ASCII blanks.
 * - The global object's prototype cannot be set through mujs's API:
 *   fixes_global_prototype finds the prototype slot of mujs objects by
 *   probing objects of known prototypes and sets it (see the function);
 *   Object.prototype.toString names the global object's class.
 * - Number literals and strings are parsed, and printed, inexactly
 *   (5e-324 is 0; 0.1 + 0.2 prints 0.30000000000000007). mujs calls its
 *   js_strtod and js_grisu2 through the PLT, so the definitions at the
 *   end of this file take their place inside libmujs too.
 */
#include <math.h>
#include <stdio.h>
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

int	 js_grisu2(double, char *, int *);
double	 js_strtod(const char *, char **);

#define FIX_ORIGINAL	"wwd.fix."	/* registry: replaced built-ins */

/* Push the original built-in saved under name by keep(). */
static void
original(js_State *J, const char *name)
{
	char	key[64];

	snprintf(key, sizeof key, FIX_ORIGINAL "%s", name);
	js_getregistry(J, key);
}

/* Whether s is an array index (canonical, below 2^32 - 1): *out. */
static int
array_index(const char *s, uint32_t *out)
{
	uint64_t	v = 0;
	const char	*p;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - s > 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= UINT32_MAX)
		return 0;
	*out = (uint32_t)v;
	return 1;
}

static int
cmp_index(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* order_keys' work, with idx room for n indexes; pushes the result. */
static void
order_fill(js_State *J, int arr, int n, uint32_t *idx)
{
	uint32_t	v;
	char		num[16];
	int		i, k = 0, out = 0;

	for (i = 0; i < n; i++) {
		js_getindex(J, arr, i);
		if (array_index(js_tostring(J, -1), &v))
			idx[k++] = v;
		js_pop(J, 1);
	}
	if (k > 0)
		qsort(idx, (size_t)k, sizeof *idx, cmp_index);
	js_newarray(J);
	for (i = 0; i < k; i++) {
		if (i > 0 && idx[i] == idx[i - 1])
			continue;
		snprintf(num, sizeof num, "%u", idx[i]);
		js_pushstring(J, num);
		js_setindex(J, -2, out++);
	}
	for (i = 0; i < n; i++) {
		js_getindex(J, arr, i);
		if (array_index(js_tostring(J, -1), &v))
			js_pop(J, 1);
		else
			js_setindex(J, -2, out++);
	}
}

/*
 * Replace the array of keys at the top of the stack by one with the
 * integer keys first, in ascending order, each once, then the other
 * keys in their order, as ES2015's [[OwnPropertyKeys]] lists them.
 */
static void
order_keys(js_State *J)
{
	int		 arr = js_gettop(J) - 1, n = js_getlength(J, arr);
	uint32_t	*idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);

	if (idx == NULL)
		js_error(J, "out of memory");
	if (js_try(J)) {
		free(idx);
		js_throw(J);
	}
	order_fill(J, arr, n, idx);
	js_endtry(J);
	free(idx);
	js_replace(J, arr);
}

/* ToObject for Object.keys & co (ES2015): primitives are wrapped. */
static void
to_object(js_State *J, int idx)
{
	if (!js_iscoercible(J, idx))
		js_typeerror(J, "Cannot convert undefined or null to object");
	if (js_isobject(J, idx))
		return;
	js_getglobal(J, "Object");
	js_pushundefined(J);
	js_copy(J, idx);
	js_call(J, 1);
	js_replace(J, idx);
}

/* Object.keys(o): own enumerable keys, elements included. */
static void
fn_keys(js_State *J)
{
	const char	*k;
	char		 num[16];
	int		 n = 0, i, len, elems = 0;
	uint32_t	 v;

	to_object(J, 1);
	js_newarray(J);
	js_pushiterator(J, 1, 1);
	while ((k = js_nextiterator(J, -1)) != NULL) {
		elems |= array_index(k, &v);
		js_pushstring(J, k);
		js_setindex(J, -3, n++);
	}
	js_pop(J, 1);
	/* Dense arrays and String objects keep elements out of the tree. */
	if ((js_isarray(J, 1) && !elems) || js_isstringobject(J, 1)) {
		len = js_getlength(J, 1);
		for (i = 0; i < len; i++) {
			if (!js_isstringobject(J, 1)) {
				if (!js_hasindex(J, 1, i))
					continue;	/* a hole */
				js_pop(J, 1);
			}
			snprintf(num, sizeof num, "%d", i);
			js_pushstring(J, num);
			js_setindex(J, -2, n++);
		}
	}
	order_keys(J);
}

/* Object.getOwnPropertyNames(o): mujs's list, in ES2015's order. */
static void
fn_own_names(js_State *J)
{
	to_object(J, 1);
	original(J, "getOwnPropertyNames");
	js_pushundefined(J);
	js_copy(J, 1);
	js_call(J, 1);
	order_keys(J);
}

/* Add one unit in the last place of the n digits at d (which has room). */
static int
carry(char *d, int n)
{
	int	i;

	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i >= 0) {
		d[i]++;
		return n;
	}
	memmove(d + 1, d, (size_t)n);
	d[0] = '1';
	return n + 1;
}

/*
 * The decimal digits of |x| (finite, not 0) rounded half up to n
 * significant digits (1 <= n <= 101): d gets n digits, the return
 * value is the decimal exponent of the first one. glibc prints the
 * exact binary value, so a tie is seen as a tie.
 */
static int
round_digits(double x, int n, char *d)
{
	char	buf[1200], *e;
	int	exp;

	snprintf(buf, sizeof buf, "%.800e", fabs(x));
	e = strchr(buf, 'e');
	exp = atoi(e + 1);
	d[0] = buf[0];
	memcpy(d + 1, buf + 2, (size_t)n);	/* skip the point */
	if (d[n] >= '5' && carry(d, n) > n)
		exp++;	/* 9.99 -> 10.0: keep n digits */
	d[n] = '\0';
	return exp;
}

/* this as a number for Number.prototype methods, or a TypeError. */
static double
this_number(js_State *J, const char *method)
{
	if (!js_isnumber(J, 0) && !js_isnumberobject(J, 0))
		js_typeerror(J, "Number.prototype.%s requires that 'this' be "
		    "a Number", method);
	return js_tonumber(J, 0);
}

/* A digits argument in [lo, 100], or a RangeError. */
static int
digits_arg(js_State *J, int idx, int lo, const char *method)
{
	double	f = js_tointeger(J, idx);

	if (f < lo || f > 100)
		js_rangeerror(J, "%s() argument must be between %d and 100",
		    method, lo);
	return (int)f;
}

/* Push d (n digits, first at exponent e) in exponential notation. */
static void
push_exponential(js_State *J, int neg, const char *d, int n, int e)
{
	char	out[128];
	int	k = 0;

	if (neg)
		out[k++] = '-';
	out[k++] = d[0];
	if (n > 1) {
		out[k++] = '.';
		memcpy(out + k, d + 1, (size_t)n - 1);
		k += n - 1;
	}
	snprintf(out + k, sizeof out - (size_t)k, "e%c%d", e < 0 ? '-' : '+',
	    abs(e));
	js_pushstring(J, out);
}

static void
fn_to_fixed(js_State *J)
{
	double	 x = this_number(J, "toFixed");
	int	 f = digits_arg(J, 1, 0, "toFixed"), ip, n, k = 0;
	char	 buf[1200], d[160], out[200], *dot;

	if (isnan(x) || fabs(x) >= 1e21) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	/* Exact digits of |x|: round half up at f places. */
	snprintf(buf, sizeof buf, "%.1100f", fabs(x));
	dot = strchr(buf, '.');
	ip = (int)(dot - buf);
	memcpy(d, buf, (size_t)ip);
	memcpy(d + ip, dot + 1, (size_t)f);
	n = ip + f;
	if (dot[1 + f] >= '5')
		n = carry(d, n);
	if (x < 0)
		out[k++] = '-';
	memcpy(out + k, d, (size_t)(n - f));
	k += n - f;
	if (f > 0) {
		out[k++] = '.';
		memcpy(out + k, d + n - f, (size_t)f);
		k += f;
	}
	out[k] = '\0';
	js_pushstring(J, out);
}

static void
fn_to_exponential(js_State *J)
{
	double	x = this_number(J, "toExponential");
	char	d[128];
	int	f, e, n;

	if (!isfinite(x)) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	if (js_isundefined(J, 1)) {
		/* As many digits as it takes: the shortest round trip. */
		if (x == 0) {
			js_pushstring(J, "0e+0");
			return;
		}
		n = js_grisu2(fabs(x), d, &e);
		push_exponential(J, x < 0, d, n, e + n - 1);
		return;
	}
	f = digits_arg(J, 1, 0, "toExponential");
	if (x == 0) {
		memset(d, '0', (size_t)f + 1);
		push_exponential(J, 0, d, f + 1, 0);
		return;
	}
	e = round_digits(x, f + 1, d);
	push_exponential(J, x < 0, d, f + 1, e);
}

static void
fn_to_precision(js_State *J)
{
	double	x = this_number(J, "toPrecision");
	char	d[128], out[256];
	int	p, e, k = 0, i;

	if (js_isundefined(J, 1) || !isfinite(x)) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	p = digits_arg(J, 1, 1, "toPrecision");
	if (x == 0) {
		memset(d, '0', (size_t)p);
		e = 0;
	} else
		e = round_digits(x, p, d);
	if (e < -6 || e >= p) {
		push_exponential(J, x < 0, d, p, e);
		return;
	}
	if (x < 0)
		out[k++] = '-';
	if (e < 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (i = -1; i > e; i--)
			out[k++] = '0';
		memcpy(out + k, d, (size_t)p);
		k += p;
	} else {
		memcpy(out + k, d, (size_t)e + 1);
		k += e + 1;
		if (p > e + 1) {
			out[k++] = '.';
			memcpy(out + k, d + e + 1, (size_t)(p - e - 1));
			k += p - e - 1;
		}
	}
	out[k] = '\0';
	js_pushstring(J, out);
}

/* String.prototype.substr(start, length) (ECMA-262 Annex B). */
static void
fn_substr(js_State *J)
{
	double	len, start, n;

	if (!js_iscoercible(J, 0))
		js_typeerror(J, "String.prototype.substr called on null or "
		    "undefined");
	js_pushstring(J, js_tostring(J, 0));
	js_replace(J, 0);
	len = js_getlength(J, 0);
	start = js_tointeger(J, 1);
	n = js_isundefined(J, 2) ? INFINITY : js_tointeger(J, 2);
	if (start < 0)
		start = fmax(len + start, 0);
	n = fmin(fmax(n, 0), len - start);
	original(J, "slice");
	js_copy(J, 0);
	js_pushnumber(J, start);
	js_pushnumber(J, n > 0 ? start + n : start);
	js_call(J, 2);
}

/* Array.prototype.lastIndexOf: an explicit undefined fromIndex is 0. */
static void
fn_last_index_of(js_State *J)
{
	double	len, from;
	int	i;

	to_object(J, 0);
	len = js_getlength(J, 0);
	from = js_gettop(J) > 2 ? js_tointeger(J, 2) : len - 1;
	from = from < 0 ? len + from : fmin(from, len - 1);
	for (i = (int)from; i >= 0; i--) {
		if (!js_hasindex(J, 0, i))
			continue;
		js_copy(J, 1);
		if (js_strictequal(J)) {
			js_pushnumber(J, i);
			return;
		}
		js_pop(J, 2);
	}
	js_pushnumber(J, -1);
}

/* Array.prototype.splice(start): as in every browser, to the end. */
static void
fn_splice(js_State *J)
{
	int	i, top = js_gettop(J);

	if (top == 1) {
		js_newarray(J);		/* splice(): nothing removed */
		return;
	}
	original(J, "splice");
	js_copy(J, 0);
	for (i = 1; i < top; i++)
		js_copy(J, i);
	if (top == 2) {
		to_object(J, 0);
		js_pushnumber(J, js_getlength(J, 0));
		top++;
	}
	js_call(J, top - 1);
}

/*
 * String.prototype.split(separator, limit) for a regexp separator
 * (ECMA-262 15.5.4.14, SplitMatch by exec from each position); other
 * separators go to mujs's split, which handles them right.
 */
static void
fn_split(js_State *J)
{
	double		 lim, size, p = 0, q = 0, mi, e;
	int		 n = 0, i, caps, flags = JS_REGEXP_G, re, arr;

	if (!js_isregexp(J, 1)) {
		original(J, "split");
		js_copy(J, 0);
		js_copy(J, 1);
		js_copy(J, 2);
		js_call(J, 2);
		return;
	}
	if (!js_iscoercible(J, 0))
		js_typeerror(J, "String.prototype.split called on null or "
		    "undefined");
	js_pushstring(J, js_tostring(J, 0));
	js_replace(J, 0);
	lim = js_isundefined(J, 2) ? 4294967295.0 : js_touint32(J, 2);
	size = js_getlength(J, 0);
	js_getproperty(J, 1, "ignoreCase");
	flags |= js_toboolean(J, -1) ? JS_REGEXP_I : 0;
	js_getproperty(J, 1, "multiline");
	flags |= js_toboolean(J, -1) ? JS_REGEXP_M : 0;
	js_getproperty(J, 1, "source");
	js_newregexp(J, js_tostring(J, -1), flags);
	re = js_gettop(J) - 1;
	js_newarray(J);
	arr = re + 1;
	if (lim == 0)
		return;
	while (q < size || size == 0) {
		js_pushnumber(J, q);
		js_setproperty(J, re, "lastIndex");
		original(J, "exec");
		js_copy(J, re);
		js_copy(J, 0);
		js_call(J, 1);
		if (js_isnull(J, -1) || size == 0) {
			if (size == 0 && !js_isnull(J, -1)) {
				js_pop(J, 1);
				return;		/* "" matched: [] */
			}
			js_pop(J, 1);
			break;
		}
		js_getproperty(J, -1, "index");
		mi = js_tonumber(J, -1);
		js_pop(J, 1);
		js_getproperty(J, re, "lastIndex");
		e = js_tonumber(J, -1);
		js_pop(J, 1);
		if (mi >= size) {
			js_pop(J, 1);
			break;
		}
		if (e == p) {
			q = mi + 1;
			js_pop(J, 1);
			continue;
		}
		original(J, "slice");
		js_copy(J, 0);
		js_pushnumber(J, p);
		js_pushnumber(J, mi);
		js_call(J, 2);
		js_setindex(J, arr, n++);
		caps = js_getlength(J, -1);
		for (i = 1; i < caps && n < lim; i++) {
			js_getindex(J, -1, i);
			js_setindex(J, arr, n++);
		}
		js_pop(J, 1);
		if (n >= lim)
			return;
		p = q = e;
	}
	original(J, "slice");
	js_copy(J, 0);
	js_pushnumber(J, p);
	js_pushnumber(J, size);
	js_call(J, 2);
	js_setindex(J, arr, n);
}

/* ECMAScript's StrWhiteSpaceChar in UTF-8 at s: its length, or 0. */
static size_t
white_space(const unsigned char *s)
{
	static const unsigned	 u[] = { 0xa0, 0x1680, 0x2000, 0x2001,
	    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
	    0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff };
	const unsigned char	*p = s;
	unsigned		 c;
	size_t			 i;

	if (strchr(" \t\n\v\f\r", *s) != NULL && *s != '\0')
		return 1;
	c = next_unit(&p);
	for (i = 0; i < sizeof u / sizeof u[0]; i++)
		if (c == u[i])
			return (size_t)(p - s);
	return 0;
}

/* The value of digit c in radix r, or -1. */
static int
digit_value(int c, int r)
{
	int	v = c >= '0' && c <= '9' ? c - '0' :
	    c >= 'a' && c <= 'z' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;

	return v < r ? v : -1;
}

/* parseInt(string, radix), ECMA-262 15.1.2.2. */
static void
fn_parse_int(js_State *J)
{
	const unsigned char	*s = (const unsigned char *)js_tostring(J, 1);
	const unsigned char	*d;
	double			 v = 0, sign = 1;
	int			 r = js_toint32(J, 2), strip = 1, dv;
	size_t			 w;
	char			 buf[400];

	while ((w = white_space(s)) > 0)
		s += w;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (r != 0) {
		if (r < 2 || r > 36) {
			js_pushnumber(J, NAN);
			return;
		}
		strip = r == 16;
	} else
		r = 10;
	if (strip && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		r = 16;
	}
	for (d = s; digit_value(*d, r) >= 0; d++)
		;
	if (d == s) {
		js_pushnumber(J, NAN);
		return;
	}
	if (r == 10 && (size_t)(d - s) < sizeof buf) {
		/* Correctly rounded, where mujs multiplies and adds. */
		memcpy(buf, s, (size_t)(d - s));
		buf[d - s] = '\0';
		v = strtod(buf, NULL);
	} else
		for (; s < d; s++)
			if ((dv = digit_value(*s, r)) >= 0)
				v = v * r + dv;
	js_pushnumber(J, sign * v);
}

/* parseFloat(string), ECMA-262 15.1.2.3, on js_strtod below. */
static void
fn_parse_float(js_State *J)
{
	const char	*s = js_tostring(J, 1);
	char		*end;
	double		 v, sign = 1;
	size_t		 w;

	while ((w = white_space((const unsigned char *)s)) > 0)
		s += w;
	if ((*s == '-' || *s == '+') && strncmp(s + 1, "Infinity", 8) == 0)
		sign = *s++ == '-' ? -1 : 1;
	if (strncmp(s, "Infinity", 8) == 0) {
		js_pushnumber(J, sign * INFINITY);
		return;
	}
	v = js_strtod(s, &end);
	js_pushnumber(J, end == s ? NAN : v);
}

/*
 * Shortest digits that read back as v (v > 0, finite): the digits in
 * buffer (not NUL-ended), their count returned, the value being
 * digits * 10^*K. Replaces mujs's Grisu2, which is not always
 * shortest nor nearest (0.1 + 0.2 gave 0.30000000000000007). glibc's
 * %e rounds correctly, so the first precision that reads back is the
 * nearest of the shortest.
 */
int
js_grisu2(double v, char *buffer, int *K)
{
	char	buf[40], *e;
	int	p, n;

	v = fabs(v);
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	buffer[0] = buf[0];
	n = 1;
	if (buf[1] == '.') {
		memcpy(buffer + 1, buf + 2, (size_t)(e - buf - 2));
		n += (int)(e - buf - 2);
	}
	*K = atoi(e + 1) - (n - 1);
	return n;
}

/*
 * The decimal number at the start of s (blanks, sign, digits with one
 * point, an exponent with digits): mujs's grammar for js_strtod,
 * converted correctly rounded by glibc. *end after it; at s when there
 * are no digits.
 */
double
js_strtod(const char *s, char **end)
{
	const char	*p = s, *start, *x;
	char		 small[128], *buf = small;
	double		 v;
	size_t		 n;
	int		 digits = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	start = p;
	if (*p == '-' || *p == '+')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.' && strchr(start, '.') < p)
			break;	/* a second point */
		digits += *p != '.';
	}
	if (digits == 0) {
		if (end != NULL)
			*end = (char *)s;
		return 0;
	}
	if (*p == 'e' || *p == 'E') {
		x = p + 1;
		if (*x == '-' || *x == '+')
			x++;
		if (*x >= '0' && *x <= '9') {
			while (*x >= '0' && *x <= '9')
				x++;
			p = x;
		}
	}
	n = (size_t)(p - start);
	if (n >= sizeof small && (buf = malloc(n + 1)) == NULL)
		buf = NULL;
	if (buf != NULL) {
		memcpy(buf, start, n);
		buf[n] = '\0';
		v = strtod(buf, NULL);
		if (buf != small)
			free(buf);
	} else
		v = NAN;
	if (end != NULL)
		*end = (char *)p;
	return v;
}

static void
replace_global(js_State *J, const char *name, js_CFunction f)
{
	js_newcfunction(J, f, name, 1);
	js_defglobal(J, name, JS_DONTENUM);
}

/* Exported by libmujs (jsi.h), not declared in mujs.h. */
struct js_Object	*js_toobject(js_State *, int);

#define PROTO_SLOTS	6	/* words of a js_Object searched */

/* The words of the object at idx (a live js_Object, at least 6 words). */
static void **
object_words(js_State *J, int idx)
{
	return (void **)js_toobject(J, idx);
}

/*
 * The word of a js_Object that holds its prototype: found by making two
 * objects with two known prototypes (js_newobjectx) and finding the one
 * word that holds each's prototype. -1 if there is not exactly one.
 */
static int
proto_slot(js_State *J)
{
	void	**a, **b, *pa, *pb;
	int	  k, found = -1;

	js_newobject(J);
	js_newobject(J);
	js_copy(J, -2);
	js_newobjectx(J);
	js_copy(J, -2);
	js_newobjectx(J);
	pa = object_words(J, -4);
	pb = object_words(J, -3);
	a = object_words(J, -2);
	b = object_words(J, -1);
	for (k = 0; k < PROTO_SLOTS; k++)
		if (a[k] == pa && b[k] == pb && a[k] != b[k])
			found = found < 0 ? k : -2;
	js_pop(J, 4);
	return found < 0 ? -1 : found;
}

/*
 * Make the object on top of the stack (popped) the global object's
 * prototype: self instanceof DedicatedWorkerGlobalScope, and
 * Object.getPrototypeOf(self), as in browsers. mujs 1.3.2 gives no way
 * to set a prototype after creation, so this writes the slot that
 * proto_slot() found, after checking that the global's slot holds
 * null or Object.prototype as expected. 0, or -1 when the layout is not as
 * probed (nothing is written then). mujs creates the global object
 * with no prototype at all, so this also gives it Object.prototype's
 * methods (self.hasOwnProperty), further up the chain.
 */
int
fixes_global_prototype(struct worker *w)
{
	js_State	*J = w->J;
	void		**g;
	int		  k, rc = -1;

	if ((k = proto_slot(J)) >= 0) {
		js_getglobal(J, "Object");
		js_getproperty(J, -1, "prototype");
		js_pushglobal(J);
		g = object_words(J, -1);
		if (g[k] == NULL || g[k] == (void *)object_words(J, -2)) {
			/* The GC marks through this slot: the prototype lives. */
			g[k] = object_words(J, -4);
			rc = 0;
		}
		js_pop(J, 3);
	}
	js_pop(J, 1);
	return rc;
}

/* Object.prototype.toString: the global object's class, as browsers. */
static void
fn_object_to_string(js_State *J)
{
	js_pushglobal(J);
	js_copy(J, 0);
	if (js_strictequal(J)) {
		js_pushliteral(J, "[object DedicatedWorkerGlobalScope]");
		return;
	}
	js_pop(J, 2);
	original(J, "toString");
	js_copy(J, 0);
	js_call(J, 0);
}

/*
 * Keep the method name of the object on top of the stack in the
 * registry as "wwd.fix.<as>" (see original()), then define f in its
 * place, non-enumerable like the built-ins.
 */
static void
replace(js_State *J, const char *name, const char *as, js_CFunction f,
    int n)
{
	char	key[64];

	snprintf(key, sizeof key, FIX_ORIGINAL "%s", as);
	js_getproperty(J, -1, name);
	js_setregistry(J, key);
	js_newcfunction(J, f, name, n);
	js_defproperty(J, -2, name, JS_DONTENUM);
}

/* Push the prototype of the global constructor name. */
static void
prototype_of(js_State *J, const char *name)
{
	js_getglobal(J, name);
	js_getproperty(J, -1, "prototype");
	js_rot2pop1(J);
}

/* Install the replacements (see the list at the top). */
void
fixes_install(struct worker *w)
{
	js_State	*J = w->J;

	prototype_of(J, "Object");
	replace(J, "toString", "toString", fn_object_to_string, 0);
	js_pop(J, 1);
	js_getglobal(J, "Object");
	replace(J, "keys", "keys", fn_keys, 1);
	replace(J, "getOwnPropertyNames", "getOwnPropertyNames",
	    fn_own_names, 1);
	js_pop(J, 1);
	prototype_of(J, "Number");
	replace(J, "toFixed", "toFixed", fn_to_fixed, 1);
	replace(J, "toExponential", "toExponential", fn_to_exponential, 1);
	replace(J, "toPrecision", "toPrecision", fn_to_precision, 1);
	js_pop(J, 1);
	prototype_of(J, "String");
	replace(J, "split", "split", fn_split, 2);
	js_getproperty(J, -1, "slice");
	js_setregistry(J, FIX_ORIGINAL "slice");
	js_newcfunction(J, fn_substr, "substr", 2);
	js_defproperty(J, -2, "substr", JS_DONTENUM);
	js_pop(J, 1);
	prototype_of(J, "RegExp");
	js_getproperty(J, -1, "exec");
	js_setregistry(J, FIX_ORIGINAL "exec");
	js_pop(J, 1);
	prototype_of(J, "Array");
	replace(J, "lastIndexOf", "lastIndexOf", fn_last_index_of, 1);
	/* Length 0: splice(start) must be told from splice(start, undefined). */
	replace(J, "splice", "splice", fn_splice, 0);
	js_pop(J, 1);
	js_pushglobal(J);
	replace(J, "parseInt", "parseInt", fn_parse_int, 2);
	replace(J, "parseFloat", "parseFloat", fn_parse_float, 1);
	js_pop(J, 1);
	replace_global(w->J, "encodeURI", fn_encode_uri);
	replace_global(w->J, "encodeURIComponent", fn_encode_uri_component);
	replace_global(w->J, "decodeURI", fn_decode_uri);
	replace_global(w->J, "decodeURIComponent", fn_decode_uri_component);
}
