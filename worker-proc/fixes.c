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
 * - String.prototype.split with a regexp misses a match at index 0;
 *   substr is missing; lastIndexOf ignores an explicit undefined
 *   fromIndex; splice(start) removes nothing.
 * - The global object's prototype cannot be set through mujs's API:
 *   fixes_global_prototype finds the prototype slot of mujs objects by
 *   probing objects of known prototypes and sets it (see the function);
 *   Object.prototype.toString names the global object's class.
 * - new RegExp(source) escapes every '/' of a source string, even one
 *   already escaped: "\\/" becomes a source of backslash, backslash,
 *   slash, so a RegExp rebuilt from another's source (as structured
 *   clone does) is not the same. The constructor drops the backslash of
 *   an escaped '/' before mujs puts it back.
 * - Own properties (getOwnPropertyDescriptor, hasOwnProperty) and
 *   Error messages: see fixes_props.c.
 * - Deleting a property could swap the accessors of another one (the
 *   next by name): see fixes_delete.c.
 * - Numbers: see fixes_number.c.
 */
#define _GNU_SOURCE	/* RTLD_NEXT */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
int
fixes_array_index(const char *s, uint32_t *out)
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
		if (fixes_array_index(js_tostring(J, -1), &v))
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
		if (fixes_array_index(js_tostring(J, -1), &v))
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
void
fixes_to_object(js_State *J, int idx)
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

	fixes_to_object(J, 1);
	js_newarray(J);
	js_pushiterator(J, 1, 1);
	while ((k = js_nextiterator(J, -1)) != NULL) {
		elems |= fixes_array_index(k, &v);
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
	fixes_to_object(J, 1);
	original(J, "getOwnPropertyNames");
	js_pushundefined(J);
	js_copy(J, 1);
	js_call(J, 1);
	order_keys(J);
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

	fixes_to_object(J, 0);
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
		fixes_to_object(J, 0);
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
 * prototype: self instanceof DedicatedWorkerGlobalScope (or
 * SharedWorkerGlobalScope), and Object.getPrototypeOf(self), as in
 * browsers. mujs 1.3.2 gives no way to set a prototype after creation,
 * so this writes the slot that proto_slot() found, after checking that
 * it holds what Object.getPrototypeOf(self) returns. 0, or -1 when the
 * layout is not as probed (nothing is written then). mujs creates the
 * global object with no prototype at all, so this also gives it
 * Object.prototype's methods (self.hasOwnProperty), further up the
 * chain.
 */
int
fixes_global_prototype(struct worker *w)
{
	js_State	*J = w->J;
	void		**g, *now;
	int		  k, rc = -1;

	if ((k = proto_slot(J)) >= 0) {
		js_getglobal(J, "Object");
		js_getproperty(J, -1, "getPrototypeOf");
		js_pushundefined(J);
		js_pushglobal(J);
		js_call(J, 1);
		now = js_isobject(J, -1) ? (void *)object_words(J, -1) : NULL;
		js_pushglobal(J);
		g = object_words(J, -1);
		if (g[k] == now) {
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
	struct worker	*w = js_getcontext(J);

	js_pushglobal(J);
	js_copy(J, 0);
	if (js_strictequal(J)) {
		js_pushliteral(J, w->shared ? "[object SharedWorkerGlobalScope]" :
		    "[object DedicatedWorkerGlobalScope]");
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

/*
 * The RegExp constructor's pattern: in a string source, an escaped '/'
 * loses its backslash (mujs escapes every '/' itself); other escapes
 * stay as they are. Replaces argument 1.
 */
static void
regexp_pattern(js_State *J)
{
	const char	*s = js_tostring(J, 1);
	char		*out;
	size_t		 o = 0;

	if (strstr(s, "\\/") == NULL)
		return;
	if ((out = malloc(strlen(s) + 1)) == NULL)
		js_error(J, "out of memory");
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			if (s[1] != '/')
				out[o++] = *s;
			out[o++] = *++s;
		} else
			out[o++] = *s;
	}
	text_push_owned(J, out, o);
	js_replace(J, 1);
}

/* new RegExp(pattern, flags): mujs's, with the pattern mended. */
static void
fn_regexp_new(js_State *J)
{
	int	i, n = js_gettop(J) - 1;

	if (n >= 1 && js_isstring(J, 1))
		regexp_pattern(J);
	original(J, "RegExp");
	for (i = 1; i <= n; i++)
		js_copy(J, i);
	js_construct(J, n);
}

/* RegExp(pattern, flags): a RegExp and no flags is returned as it is. */
static void
fn_regexp_call(js_State *J)
{
	if (js_isregexp(J, 1) && js_isundefined(J, 2)) {
		js_copy(J, 1);
		return;
	}
	fn_regexp_new(J);
}

/*
 * libmujs's own definition of a function wwd-worker defines too
 * (intern.c, props.c, fixes_delete.c: libmujs's calls reach ours through
 * its PLT, and ours call on to this one). libmujs always has it.
 */
void *
fixes_libmujs(const char *name)
{
	void	*f;

	if ((f = dlsym(RTLD_NEXT, name)) == NULL)
		abort();
	return f;
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
	/* The new constructor takes over RegExp.prototype (popped). */
	js_getglobal(J, "RegExp");
	js_setregistry(J, FIX_ORIGINAL "RegExp");
	js_newcconstructor(J, fn_regexp_call, fn_regexp_new, "RegExp", 2);
	js_defglobal(J, "RegExp", JS_DONTENUM);
	prototype_of(J, "Array");
	replace(J, "lastIndexOf", "lastIndexOf", fn_last_index_of, 1);
	/* Length 0: splice(start) must be told from splice(start, undefined). */
	replace(J, "splice", "splice", fn_splice, 0);
	js_pop(J, 1);
	fixes_number_install(w);
	fixes_props_install(w);
	if (fixes_delete_install(w) < 0)
		log_warnx("mujs's property nodes are not as expected: "
		    "delete keeps its 1.3.2 defect");
	scope_defun(w->J, "encodeURI", fn_encode_uri, 1);
	scope_defun(w->J, "encodeURIComponent", fn_encode_uri_component, 1);
	scope_defun(w->J, "decodeURI", fn_decode_uri, 1);
	scope_defun(w->J, "decodeURIComponent", fn_decode_uri_component, 1);
}
