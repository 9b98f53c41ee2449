/*
 * builtins_buffer.c: native ArrayBuffer, the nine typed arrays (Int8 to
 * Float64, Uint8Clamped) and DataView for the worker, ES2015 semantics
 * usable from ES5. An ArrayBuffer userdata owns its bytes (struct abuf,
 * freed by its finalizer); a view userdata (struct view) points at its
 * buffer's struct and keeps the buffer object alive through a hidden
 * property. Indexed access goes through mujs userdata hooks. A detached
 * buffer (transfer, clone.c) has no bytes; its views read as empty.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define BUFFER_HIDDEN	"[[ViewedArrayBuffer]]"
#define BUFFER_MAX	2147483647.0	/* bytes in one ArrayBuffer */

/* One ArrayBuffer's bytes; data NULL when empty or detached. */
struct abuf {
	uint8_t		*data;
	size_t		 len;
	int		 detached;
};

/* A typed array (len in elements) or DataView (len in bytes). */
struct view {
	struct abuf	*ab;
	size_t		 off;
	size_t		 len;
	int		 kind;
};

static const struct {
	const char	*name;
	unsigned	 size;
} kinds[BUFFER_KINDS] = {
	{ "Int8Array", 1 }, { "Uint8Array", 1 }, { "Uint8ClampedArray", 1 },
	{ "Int16Array", 2 }, { "Uint16Array", 2 }, { "Int32Array", 4 },
	{ "Uint32Array", 4 }, { "Float32Array", 4 }, { "Float64Array", 8 },
	{ "DataView", 1 },
};

static void
abuf_finalize(js_State *J, void *p)
{
	struct abuf	*ab = p;

	(void)J;
	free(ab->data);
	free(ab);
}

static void
view_finalize(js_State *J, void *p)
{
	(void)J;
	free(p);
}

/* The kind of view at idx, or -1. */
static int
kind_at(js_State *J, int idx)
{
	int	k;

	for (k = 0; k < BUFFER_KINDS; k++)
		if (js_isuserdata(J, idx, kinds[k].name))
			return k;
	return -1;
}

static struct view *
view_at(js_State *J, int idx)
{
	int	k = kind_at(J, idx);

	return k < 0 ? NULL : js_touserdata(J, idx, kinds[k].name);
}

static struct abuf *
abuf_at(js_State *J, int idx)
{
	return js_isuserdata(J, idx, "ArrayBuffer") ?
	    js_touserdata(J, idx, "ArrayBuffer") : NULL;
}

/* Elements (bytes for a DataView) visible through v: 0 once detached. */
static size_t
view_len(const struct view *v)
{
	return v->ab->detached ? 0 : v->len;
}

/* ToIndex of the argument at idx (undefined is 0); RangeError. */
static double
to_index(js_State *J, int idx, const char *what)
{
	double	d = js_isundefined(J, idx) ? 0 : js_tonumber(J, idx);

	d = isnan(d) ? 0 : trunc(d);
	if (d < 0 || d > BUFFER_MAX)
		js_rangeerror(J, "%s", what);
	return d == 0 ? 0 : d;
}

/* A relative index (negative counts from len) clamped to [0, len]. */
static size_t
relative(js_State *J, int idx, size_t len, size_t dflt)
{
	double	d;

	if (js_isundefined(J, idx))
		return dflt;
	d = js_tonumber(J, idx);
	d = isnan(d) ? 0 : trunc(d);
	if (d < 0)
		d = d + (double)len < 0 ? 0 : d + (double)len;
	return d > (double)len ? len : (size_t)d;
}

static uint32_t
to_u32(double d)
{
	if (!isfinite(d))
		return 0;
	d = fmod(trunc(d), 4294967296.0);
	return (uint32_t)(d < 0 ? d + 4294967296.0 : d);
}

/* Read an element of kind k from p (host byte order). */
static double
load(int k, const uint8_t *p)
{
	union {
		int16_t		i16;
		uint16_t	u16;
		int32_t		i32;
		uint32_t	u32;
		float		f32;
		double		f64;
	} u;

	memcpy(&u, p, kinds[k].size);
	switch (k) {
	case BUFFER_INT8: return (int8_t)*p;
	case BUFFER_INT16: return u.i16;
	case BUFFER_UINT16: return u.u16;
	case BUFFER_INT32: return u.i32;
	case BUFFER_UINT32: return u.u32;
	case BUFFER_FLOAT32: return u.f32;
	case BUFFER_FLOAT64: return u.f64;
	default: return *p;
	}
}

/* Store d as an element of kind k at p, converted as the spec says. */
static void
store(int k, uint8_t *p, double d)
{
	union {
		uint16_t	u16;
		uint32_t	u32;
		float		f32;
		double		f64;
	} u;

	switch (k) {
	case BUFFER_UINT8C:
		*p = isnan(d) || d <= 0 ? 0 : d >= 255 ? 255 :
		    (uint8_t)nearbyint(d);
		return;
	case BUFFER_FLOAT32: u.f32 = (float)d; break;
	case BUFFER_FLOAT64: u.f64 = d; break;
	case BUFFER_INT16: case BUFFER_UINT16:
		u.u16 = (uint16_t)to_u32(d); break;
	case BUFFER_INT32: case BUFFER_UINT32:
		u.u32 = to_u32(d); break;
	default:
		*p = (uint8_t)to_u32(d);
		return;
	}
	memcpy(p, &u, kinds[k].size);
}

/*
 * Whether a property name is a canonical numeric string (ES2015
 * 7.1.16): 1 and *i set for a valid integer index, 2 for another
 * number ("-0", "1.5", "-1": no element, never a plain property), 0
 * for an ordinary name.
 */
static int
numeric(js_State *J, const char *name, double *i)
{
	const char	*p;
	char		*end;
	double		 d = 0;
	int		 same;

	if (name[0] >= '0' && name[0] <= '9' &&
	    (name[0] != '0' || name[1] == '\0')) {
		for (p = name; *p >= '0' && *p <= '9' && d < 1e16; p++)
			d = d * 10 + (*p - '0');
		if (*p == '\0') {
			*i = d;
			return 1;
		}
	}
	if (strchr("-0123456789IN", name[0]) == NULL)
		return 0;
	d = strtod(name, &end);
	if (*end != '\0')
		return 0;
	if (strcmp(name, "-0") == 0)
		return 2;
	js_pushnumber(J, d);
	same = strcmp(js_tostring(J, -1), name) == 0;
	js_pop(J, 1);
	return same ? 2 : 0;
}

/* Userdata hook: an element read pushes the element or undefined. */
static int
view_has(js_State *J, void *p, const char *name)
{
	struct view	*v = p;
	double		 i;
	int		 n = numeric(J, name, &i);

	if (n == 0)
		return 0;
	if (n == 1 && i < (double)view_len(v))
		js_pushnumber(J, load(v->kind, v->ab->data + v->off +
		    (size_t)i * kinds[v->kind].size));
	else
		js_pushundefined(J);
	return 1;
}

/* Userdata hook: an element write (value on top); out of range: no-op. */
static int
view_put(js_State *J, void *p, const char *name)
{
	struct view	*v = p;
	double		 i, d;
	int		 n = numeric(J, name, &i);

	if (n == 0)
		return 0;
	d = js_tonumber(J, -1);
	if (n == 1 && i < (double)view_len(v))
		store(v->kind, v->ab->data + v->off +
		    (size_t)i * kinds[v->kind].size, d);
	return 1;
}

/* Userdata hook: elements cannot be deleted. */
static int
view_delete(js_State *J, void *p, const char *name)
{
	double	i;

	(void)p;
	if (numeric(J, name, &i) == 0)
		return 0;
	js_typeerror(J, "Cannot delete property '%s' of a typed array", name);
}

/*
 * Push a new ArrayBuffer of len zeroed bytes; its bytes (NULL when len
 * is 0). RangeError when they cannot be allocated.
 */
uint8_t *
builtins_buffer_new(js_State *J, size_t len)
{
	struct abuf	*ab;

	if ((double)len > BUFFER_MAX || (ab = calloc(1, sizeof(*ab))) == NULL)
		js_rangeerror(J, "Array buffer allocation failed");
	if (len > 0 && (ab->data = calloc(1, len)) == NULL) {
		free(ab);
		js_rangeerror(J, "Array buffer allocation failed");
	}
	ab->len = len;
	js_getregistry(J, "ArrayBuffer");
	js_newuserdata(J, "ArrayBuffer", ab, abuf_finalize);
	return ab->data;
}

/*
 * Replace the ArrayBuffer on top with a view of kind k over it from
 * byte off, len elements (bytes for a DataView; len < 0: to the end).
 * RangeError/TypeError as the constructors throw them.
 */
void
builtins_buffer_view_new(js_State *J, int k, double off, double len)
{
	struct abuf	*ab = abuf_at(J, -1);
	struct view	*v;
	unsigned	 size = kinds[k].size;

	if (ab == NULL)
		js_typeerror(J, "First argument to %s constructor must be an "
		    "ArrayBuffer", kinds[k].name);
	if (ab->detached)
		js_typeerror(J, "Cannot perform Construct on a detached "
		    "ArrayBuffer");
	if (fmod(off, size) != 0)
		js_rangeerror(J, "start offset of %s should be a multiple of "
		    "%u", kinds[k].name, size);
	if (off > (double)ab->len)
		js_rangeerror(J, "Start offset %.0f is outside the bounds of "
		    "the buffer", off);
	if (len < 0) {
		if (ab->len % size != 0)
			js_rangeerror(J, "byte length of %s should be a "
			    "multiple of %u", kinds[k].name, size);
		len = ((double)ab->len - off) / size;
	} else if (off + len * size > (double)ab->len)
		js_rangeerror(J, k == BUFFER_DATAVIEW ? "Invalid DataView "
		    "length %.0f" : "Invalid typed array length: %.0f", len);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		js_error(J, "out of memory");
	v->ab = ab;
	v->off = (size_t)off;
	v->len = (size_t)len;
	v->kind = k;
	js_getregistry(J, kinds[k].name);
	if (k == BUFFER_DATAVIEW)
		js_newuserdata(J, kinds[k].name, v, view_finalize);
	else
		js_newuserdatax(J, kinds[k].name, v, view_has, view_put,
		    view_delete, view_finalize);
	js_rot2(J);
	js_defproperty(J, -2, BUFFER_HIDDEN, JS_DONTENUM | JS_READONLY |
	    JS_DONTCONF);
}

/* Whether the value at idx is an ArrayBuffer. */
int
builtins_buffer_is(js_State *J, int idx)
{
	return abuf_at(J, idx) != NULL;
}

/*
 * The bytes of the ArrayBuffer at idx (NULL when empty or detached),
 * *len their count, *detached whether it is detached. Not owned.
 */
uint8_t *
builtins_buffer_data(js_State *J, int idx, size_t *len, int *detached)
{
	struct abuf	*ab = abuf_at(J, idx);

	*len = ab->len;
	*detached = ab->detached;
	return ab->data;
}

/*
 * The kind of the view at idx (-1: not a view); *off its byte offset,
 * *len its length in elements (bytes for a DataView), as created (a
 * detached buffer does not change them). Pushes its buffer when it is
 * a view.
 */
int
builtins_buffer_view(js_State *J, int idx, size_t *off, size_t *len)
{
	struct view	*v = view_at(J, idx);

	if (v == NULL)
		return -1;
	*off = v->off;
	*len = v->len;
	js_getproperty(J, idx, BUFFER_HIDDEN);
	return v->kind;
}

/* Detach the ArrayBuffer at idx: its bytes are freed, its length 0. */
void
builtins_buffer_detach(js_State *J, int idx)
{
	struct abuf	*ab = abuf_at(J, idx);

	free(ab->data);
	ab->data = NULL;
	ab->len = 0;
	ab->detached = 1;
}

static struct abuf *
this_buffer(js_State *J, const char *method)
{
	struct abuf	*ab = abuf_at(J, 0);

	if (ab == NULL)
		js_typeerror(J, "Method ArrayBuffer.prototype.%s called on "
		    "an incompatible receiver", method);
	return ab;
}

static void
fn_buffer_new(js_State *J)
{
	builtins_buffer_new(J, (size_t)to_index(J, 1,
	    "Invalid array buffer length"));
}

static void
fn_buffer_call(js_State *J)
{
	js_typeerror(J, "Constructor ArrayBuffer requires 'new'");
}

static void
fn_buffer_bytelength(js_State *J)
{
	js_pushnumber(J, (double)this_buffer(J, "byteLength")->len);
}

static void
fn_buffer_slice(js_State *J)
{
	struct abuf	*ab = this_buffer(J, "slice");
	size_t		 b, e;
	uint8_t		*to;

	if (ab->detached)
		js_typeerror(J, "Cannot perform ArrayBuffer.prototype.slice "
		    "on a detached ArrayBuffer");
	b = relative(J, 1, ab->len, 0);
	e = relative(J, 2, ab->len, ab->len);
	to = builtins_buffer_new(J, e > b ? e - b : 0);
	if (ab->detached)	/* valueOf of an argument may transfer it */
		js_typeerror(J, "ArrayBuffer was detached");
	if (e > b)
		memcpy(to, ab->data + b, e - b);
}

static void
fn_buffer_isview(js_State *J)
{
	js_pushboolean(J, kind_at(J, 1) >= 0);
}

/* The view that is `this` (kind k, or any typed array when k < 0). */
static struct view *
this_view(js_State *J, int k, const char *method)
{
	int	at = kind_at(J, 0);

	if (at < 0 || (k >= 0 && at != k) || (k < 0 &&
	    at == BUFFER_DATAVIEW))
		js_typeerror(J, "Method %s called on an incompatible "
		    "receiver", method);
	return js_touserdata(J, 0, kinds[at].name);
}

static struct view *
live_view(js_State *J, const char *method)
{
	struct view	*v = this_view(J, -1, method);

	if (v->ab->detached)
		js_typeerror(J, "Cannot perform %s on a detached "
		    "ArrayBuffer", method);
	return v;
}

static void
fn_view_length(js_State *J)
{
	js_pushnumber(J, (double)view_len(this_view(J, -1, "length")));
}

static void
fn_view_bytelength(js_State *J)
{
	struct view	*v = view_at(J, 0);

	if (v == NULL)
		js_typeerror(J, "byteLength called on an incompatible "
		    "receiver");
	/* A typed array reads 0 once detached; a DataView throws (ES2015). */
	if (v->kind == BUFFER_DATAVIEW && v->ab->detached)
		js_typeerror(J, "Cannot perform DataView.prototype.byteLength "
		    "on a detached ArrayBuffer");
	js_pushnumber(J, (double)(view_len(v) * kinds[v->kind].size));
}

static void
fn_view_byteoffset(js_State *J)
{
	struct view	*v = view_at(J, 0);

	if (v == NULL)
		js_typeerror(J, "byteOffset called on an incompatible "
		    "receiver");
	if (v->kind == BUFFER_DATAVIEW && v->ab->detached)
		js_typeerror(J, "Cannot perform DataView.prototype.byteOffset "
		    "on a detached ArrayBuffer");
	js_pushnumber(J, v->ab->detached ? 0 : (double)v->off);
}

static void
fn_view_buffer(js_State *J)
{
	if (view_at(J, 0) == NULL)
		js_typeerror(J, "buffer called on an incompatible receiver");
	js_getproperty(J, 0, BUFFER_HIDDEN);
}

/* Push a new typed array of kind k and n elements on a new buffer. */
static struct view *
fresh(js_State *J, int k, double n)
{
	if (n * kinds[k].size > BUFFER_MAX)
		js_rangeerror(J, "Invalid typed array length: %.0f", n);
	builtins_buffer_new(J, (size_t)n * kinds[k].size);
	builtins_buffer_view_new(J, k, 0, n);
	return js_touserdata(J, -1, kinds[k].name);
}

/* Element i of v; v is not detached and i in range. */
static uint8_t *
at(const struct view *v, size_t i)
{
	return v->ab->data + v->off + i * kinds[v->kind].size;
}

/*
 * Copy into v from element offset on the source at idx: a typed array
 * (through a copy, as the two may share bytes) or an array-like.
 */
static void
copy_in(js_State *J, struct view *v, int idx, size_t offset)
{
	struct view	*src = view_at(J, idx);
	double		*tmp;
	size_t		 n, i;

	if (src != NULL && src->kind != BUFFER_DATAVIEW) {
		n = view_len(src);
		if ((tmp = malloc((n + 1) * sizeof(*tmp))) == NULL)
			js_error(J, "out of memory");
		for (i = 0; i < n; i++)
			tmp[i] = load(src->kind, at(src, i));
		for (i = 0; i < n && offset + i < view_len(v); i++)
			store(v->kind, at(v, offset + i), tmp[i]);
		free(tmp);
		return;
	}
	n = (size_t)js_getlength(J, idx);
	for (i = 0; i < n; i++) {
		double	d;

		js_getindex(J, idx, (int)i);
		d = js_tonumber(J, -1);
		js_pop(J, 1);
		if (offset + i < view_len(v))	/* valueOf may detach */
			store(v->kind, at(v, offset + i), d);
	}
}

/* new <Kind>Array(length | array-like | typed array | buffer, off, len) */
static void
view_construct(js_State *J, int k)
{
	struct view	*v;
	double		 off, len;

	scope_arity(J, 3);
	if (!js_isobject(J, 1)) {
		fresh(J, k, to_index(J, 1, "Invalid typed array length"));
		return;
	}
	if (abuf_at(J, 1) != NULL) {
		off = to_index(J, 2, "Start offset is outside the bounds of "
		    "the buffer");
		len = js_isundefined(J, 3) ? -1 : to_index(J, 3,
		    "Invalid typed array length");
		js_copy(J, 1);
		builtins_buffer_view_new(J, k, off, len);
		return;
	}
	if ((v = view_at(J, 1)) != NULL && v->kind != BUFFER_DATAVIEW) {
		if (v->ab->detached)
			js_typeerror(J, "Cannot perform Construct on a "
			    "detached ArrayBuffer");
		len = (double)view_len(v);
	} else {
		len = (double)js_getlength(J, 1);
		len = len < 0 ? 0 : len;
	}
	v = fresh(J, k, len);
	copy_in(J, v, 1, 0);
}

#define VIEW_CTOR(k)							\
static void fn_new_##k(js_State *J) { view_construct(J, k); }
VIEW_CTOR(0) VIEW_CTOR(1) VIEW_CTOR(2) VIEW_CTOR(3) VIEW_CTOR(4)
VIEW_CTOR(5) VIEW_CTOR(6) VIEW_CTOR(7) VIEW_CTOR(8)
static const js_CFunction view_ctors[] = { fn_new_0, fn_new_1, fn_new_2,
	fn_new_3, fn_new_4, fn_new_5, fn_new_6, fn_new_7, fn_new_8 };

static void
fn_view_call(js_State *J)
{
	js_typeerror(J, "Constructor requires 'new'");
}

/* subarray(begin, end): a new view of the same kind on the same bytes. */
static void
fn_subarray(js_State *J)
{
	struct view	*v = this_view(J, -1, "subarray");
	size_t		 n = view_len(v), b, e;

	b = relative(J, 1, n, 0);
	e = relative(J, 2, n, n);
	js_getproperty(J, 0, BUFFER_HIDDEN);
	builtins_buffer_view_new(J, v->kind, (double)v->off +
	    (double)b * kinds[v->kind].size, e > b ? (double)(e - b) : 0);
}

/* set(source, offset) */
static void
fn_set(js_State *J)
{
	struct view	*v = live_view(J, "%TypedArray%.prototype.set");
	struct view	*src = view_at(J, 1);
	double		 off = js_isundefined(J, 2) ? 0 : js_tonumber(J, 2);
	double		 n;

	off = isnan(off) ? 0 : trunc(off);
	if (!js_isobject(J, 1))
		js_typeerror(J, "invalid_argument");
	n = src != NULL ? (double)view_len(src) : js_getlength(J, 1);
	if (off < 0 || off + n > (double)view_len(v))
		js_rangeerror(J, "offset is out of bounds");
	copy_in(J, v, 1, (size_t)off);
	js_pushundefined(J);
}

/* fill(value, start, end): returns this. */
static void
fn_fill(js_State *J)
{
	struct view	*v = live_view(J, "%TypedArray%.prototype.fill");
	double		 d = js_tonumber(J, 1);
	size_t		 n = view_len(v), b, e, i;

	b = relative(J, 2, n, 0);
	e = relative(J, 3, n, n);
	for (i = b; i < e && i < view_len(v); i++)
		store(v->kind, at(v, i), d);
	js_copy(J, 0);
}

/* slice(start, end): a copy in a new buffer. */
static void
fn_slice(js_State *J)
{
	struct view	*v = live_view(J, "%TypedArray%.prototype.slice");
	struct view	*to;
	size_t		 n = view_len(v), b, e;

	b = relative(J, 1, n, 0);
	e = relative(J, 2, n, n);
	to = fresh(J, v->kind, e > b ? (double)(e - b) : 0);
	if (e > b && view_len(v) >= e)
		memcpy(at(to, 0), at(v, b), (e - b) * kinds[v->kind].size);
}

/* new DataView(buffer, byteOffset, byteLength) */
static void
fn_dataview_new(js_State *J)
{
	struct abuf	*ab = abuf_at(J, 1);
	double		 off, len;

	if (ab == NULL)
		js_typeerror(J, "First argument to DataView constructor must "
		    "be an ArrayBuffer");
	off = to_index(J, 2, "Start offset is outside the bounds of the "
	    "buffer");
	len = js_isundefined(J, 3) ? -1 : to_index(J, 3,
	    "Invalid DataView length");
	js_copy(J, 1);
	builtins_buffer_view_new(J, BUFFER_DATAVIEW, off, len);
}

/* DataView get<Type>(byteOffset, littleEndian) / set<Type>(o, v, le) */
static void
dataview_access(js_State *J, int k, int write)
{
	struct view	*v = this_view(J, BUFFER_DATAVIEW, "DataView access");
	unsigned	 size = kinds[k].size, i;
	uint8_t		 tmp[8];
	double		 off, d = 0;
	int		 little, host_little = 1;

	off = to_index(J, 1, "Offset is outside the bounds of the DataView");
	if (write)
		d = js_tonumber(J, 2);
	little = js_toboolean(J, write ? 3 : 2);
	if (v->ab->detached)
		js_typeerror(J, "Cannot perform DataView access on a detached "
		    "ArrayBuffer");
	if (off + size > (double)v->len)
		js_rangeerror(J, "Offset is outside the bounds of the "
		    "DataView");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	host_little = 0;
#endif
	if (write) {
		store(k, tmp, d);
		for (i = 0; i < size; i++)
			v->ab->data[v->off + (size_t)off + i] =
			    tmp[little == host_little ? i : size - 1 - i];
		js_pushundefined(J);
		return;
	}
	for (i = 0; i < size; i++)
		tmp[little == host_little ? i : size - 1 - i] =
		    v->ab->data[v->off + (size_t)off + i];
	js_pushnumber(J, load(k, tmp));
}

#define DV_ACCESS(k)							\
static void fn_get_##k(js_State *J) { dataview_access(J, k, 0); }	\
static void fn_set_##k(js_State *J) { dataview_access(J, k, 1); }
DV_ACCESS(0) DV_ACCESS(1) DV_ACCESS(3) DV_ACCESS(4) DV_ACCESS(5)
DV_ACCESS(6) DV_ACCESS(7) DV_ACCESS(8)

/* mujs keeps a C function's name pointer: these must be static. */
static const struct {
	const char	*get, *set;
	js_CFunction	 fget, fset;
} dv_methods[] = {
	{ "getInt8", "setInt8", fn_get_0, fn_set_0 },
	{ "getUint8", "setUint8", fn_get_1, fn_set_1 },
	{ "getInt16", "setInt16", fn_get_3, fn_set_3 },
	{ "getUint16", "setUint16", fn_get_4, fn_set_4 },
	{ "getInt32", "setInt32", fn_get_5, fn_set_5 },
	{ "getUint32", "setUint32", fn_get_6, fn_set_6 },
	{ "getFloat32", "setFloat32", fn_get_7, fn_set_7 },
	{ "getFloat64", "setFloat64", fn_get_8, fn_set_8 },
};

/*
 * The generic ES5 Array methods that also are %TypedArray% methods and
 * only read length and elements (reverse writes them back in place).
 */
static const char *const generic[] = { "join", "indexOf", "lastIndexOf",
	"forEach", "every", "some", "reduce", "reduceRight", "reverse",
	"toString", "toLocaleString" };

/* Define ArrayBuffer, the typed array constructors and DataView. 0. */
int
builtins_buffer_install(struct worker *w)
{
	js_State	*J = w->J;
	size_t		 i;
	int		 k;

	js_newobject(J);
	scope_method(J, "slice", fn_buffer_slice, 2);
	scope_getter(J, "byteLength", fn_buffer_bytelength);
	scope_constructor(J, "ArrayBuffer", fn_buffer_call, fn_buffer_new, 1);
	scope_method(J, "isView", fn_buffer_isview, 1);
	js_defglobal(J, "ArrayBuffer", JS_DONTENUM);

	for (k = 0; k < BUFFER_DATAVIEW; k++) {
		js_newobject(J);
		scope_method(J, "subarray", fn_subarray, 2);
		scope_method(J, "set", fn_set, 1);
		scope_method(J, "fill", fn_fill, 1);
		scope_method(J, "slice", fn_slice, 2);
		for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
			js_getglobal(J, "Array");
			js_getproperty(J, -1, "prototype");
			js_getproperty(J, -1, generic[i]);
			js_defproperty(J, -4, generic[i], JS_DONTENUM);
			js_pop(J, 2);
		}
		scope_getter(J, "length", fn_view_length);
		scope_getter(J, "byteLength", fn_view_bytelength);
		scope_getter(J, "byteOffset", fn_view_byteoffset);
		scope_getter(J, "buffer", fn_view_buffer);
		js_pushnumber(J, kinds[k].size);
		js_defproperty(J, -2, "BYTES_PER_ELEMENT", JS_READONLY |
		    JS_DONTENUM | JS_DONTCONF);
		scope_constructor(J, kinds[k].name, fn_view_call, view_ctors[k], 3);
		js_pushnumber(J, kinds[k].size);
		js_defproperty(J, -2, "BYTES_PER_ELEMENT", JS_READONLY |
		    JS_DONTENUM | JS_DONTCONF);
		js_defglobal(J, kinds[k].name, JS_DONTENUM);
	}

	js_newobject(J);
	for (i = 0; i < sizeof(dv_methods) / sizeof(dv_methods[0]); i++) {
		scope_method(J, dv_methods[i].get, dv_methods[i].fget, 1);
		scope_method(J, dv_methods[i].set, dv_methods[i].fset, 2);
	}
	scope_getter(J, "byteLength", fn_view_bytelength);
	scope_getter(J, "byteOffset", fn_view_byteoffset);
	scope_getter(J, "buffer", fn_view_buffer);
	scope_constructor(J, "DataView", fn_view_call, fn_dataview_new, 1);
	js_defglobal(J, "DataView", JS_DONTENUM);
	return 0;
}
