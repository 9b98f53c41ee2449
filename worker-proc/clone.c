/*
 * clone.c: structured clone between mujs values and the msgpack payload
 * of POST and CONSOLE (docs/protocol.md, "Payloads"), and the global
 * structuredClone(). mujs's value stack holds only 256 slots, so neither
 * direction keeps anything there per level: every object goes into one
 * "memory" array whose index is also its back-reference number, and the
 * state of each level lives in C. Encoding packs into the caller's
 * buffer and throws DataCloneError for what cannot be cloned (the caller
 * rolls the buffer back); decoding walks validated bytes into values.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "check.h"
#include "worker.h"

/* Ext types of leaves (2 is TEXT_EXT_WTF8, see text.c). */
#define CLONE_EXT_UNDEFINED	0
#define CLONE_EXT_REF		1	/* 4-byte index into memory */
#define CLONE_EXT_DATE		3	/* 8-byte float64 time value */
#define CLONE_EXT_PORT		4	/* 4-byte index into the transfer list */
/* Record markers: the first element of an array that is a record. */
#define CLONE_REC_MIN		16
#define CLONE_REC_BOOLEAN	16	/* [m, boolean] */
#define CLONE_REC_NUMBER	17	/* [m, number] */
#define CLONE_REC_STRING	18	/* [m, string] */
#define CLONE_REC_REGEXP	19	/* [m, source, flags] */
#define CLONE_REC_ARRAY		20	/* [m, length, (key, value)...] */
#define CLONE_REC_ERROR		21	/* [m, name(, message)] */
#define CLONE_REC_MAP		22	/* [m, (key, value)...] */
#define CLONE_REC_SET		23	/* [m, value...] */
#define CLONE_REC_VIEW		24	/* [m, kind, buffer, offset, length] */
#define CLONE_REC_MAX		31

#define CLONE_ARRAY_MAX		4294967295.0	/* 2^32 - 1 */

/* What an object is, from its class and userdata tag. */
enum clone_kind {
	KIND_OTHER,
	KIND_PLAIN,
	KIND_ARRAY,
	KIND_BOOLEAN,
	KIND_NUMBER,
	KIND_STRING,
	KIND_DATE,
	KIND_REGEXP,
	KIND_ERROR,
	KIND_MAP,
	KIND_SET,
	KIND_BUFFER,
	KIND_VIEW,
};

static const struct {
	const char	*cls;
	enum clone_kind	 kind;
} clone_classes[] = {
	{ "[object Object]", KIND_PLAIN },
	{ "[object Arguments]", KIND_PLAIN },
	{ "[object Math]", KIND_PLAIN },
	{ "[object JSON]", KIND_PLAIN },
	{ "[object Array]", KIND_ARRAY },
	{ "[object Boolean]", KIND_BOOLEAN },
	{ "[object Number]", KIND_NUMBER },
	{ "[object String]", KIND_STRING },
	{ "[object Date]", KIND_DATE },
	{ "[object RegExp]", KIND_REGEXP },
	{ "[object Error]", KIND_ERROR },
	{ "[object Map]", KIND_MAP },
	{ "[object Set]", KIND_SET },
	{ "[object ArrayBuffer]", KIND_BUFFER },
	{ "[object Int8Array]", KIND_VIEW },
	{ "[object Uint8Array]", KIND_VIEW },
	{ "[object Uint8ClampedArray]", KIND_VIEW },
	{ "[object Int16Array]", KIND_VIEW },
	{ "[object Uint16Array]", KIND_VIEW },
	{ "[object Int32Array]", KIND_VIEW },
	{ "[object Uint32Array]", KIND_VIEW },
	{ "[object Float32Array]", KIND_VIEW },
	{ "[object Float64Array]", KIND_VIEW },
	{ "[object DataView]", KIND_VIEW },
};

/* The Error names that survive a clone; any other becomes "Error". */
static const char *const clone_errors[] = { "Error", "EvalError",
	"RangeError", "ReferenceError", "SyntaxError", "TypeError",
	"URIError" };

/*
 * One encoding. ids/idx: open-addressed table from an object's address
 * to its memory index (cap a power of two, half full at most). keys: a
 * stack of NUL-ended own keys, one run per open level. Both owned here
 * and freed by clone_encode, also when it throws.
 */
struct enc {
	struct worker	*w;
	js_State	*J;
	msgpack_packer	 pk;
	int		 mem;		/* stack slot of the memory array */
	int		 aux;		/* of Map/Set items, one per depth */
	uint32_t	 count;		/* objects in memory */
	uintptr_t	*ids;
	uint32_t	*idx;
	size_t		 cap;
	struct ipc_buf	 keys;
	int		 depth;
	int		 xfer;		/* slot of the transfer list, or 0 */
};

static void
check(struct enc *e, int rc)
{
	if (rc != 0)
		js_error(e->J, "out of memory");
}

static void
pack_marker(struct enc *e, uint32_t n, int8_t rec)
{
	check(e, msgpack_pack_array(&e->pk, n));
	check(e, msgpack_pack_ext(&e->pk, 0, rec));
}

/* Integral values in [-2^63, 2^63) but -0 as ints, the rest float64. */
static void
enc_number(struct enc *e, double d)
{
	if (d == floor(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0 && !(d == 0 && signbit(d)))
		check(e, msgpack_pack_int64(&e->pk, (int64_t)d));
	else	/* one NaN: the bytes of a value do not vary */
		check(e, msgpack_pack_double(&e->pk, isnan(d) ? NAN : d));
}

/*
 * The identity (address) of the object on top of the stack, which
 * stays. mujs's registry name of an object is its address; the ref is
 * dropped at once, so this is only correct while every js_ref in the
 * program is of an internal array user code never sees (loop.c). Map
 * keys and the clone encoder rely on it.
 */
uintptr_t
clone_id(js_State *J)
{
	const char	*ref;
	uintptr_t	 id;

	js_copy(J, -1);
	ref = js_ref(J);
	id = (uintptr_t)strtoull(ref, NULL, 16);
	js_unref(J, ref);
	return id;
}

static size_t
slot_of(const struct enc *e, uintptr_t id)
{
	size_t	i = (size_t)((id >> 4) * 0x9e3779b97f4a7c15ULL) & (e->cap - 1);

	while (e->ids[i] != 0 && e->ids[i] != id)
		i = (i + 1) & (e->cap - 1);
	return i;
}

/* Put id -> n in the table, growing it first when half full. */
static void
seen_add(struct enc *e, uintptr_t id, uint32_t n)
{
	size_t	 i;

	if ((size_t)e->count * 2 >= e->cap) {
		uintptr_t	*oids = e->ids;
		uint32_t	*oidx = e->idx;
		size_t		 ocap = e->cap;

		e->cap = ocap == 0 ? 64 : ocap * 2;
		e->ids = calloc(e->cap, sizeof(*e->ids));
		e->idx = calloc(e->cap, sizeof(*e->idx));
		if (e->ids == NULL || e->idx == NULL) {
			free(e->ids);
			free(e->idx);
			e->ids = oids;
			e->idx = oidx;
			e->cap = ocap;
			js_error(e->J, "out of memory");
		}
		for (i = 0; i < ocap; i++)
			if (oids[i] != 0) {
				size_t	j = slot_of(e, oids[i]);

				e->ids[j] = oids[i];
				e->idx[j] = oidx[i];
			}
		free(oids);
		free(oidx);
	}
	i = slot_of(e, id);
	e->ids[i] = id;
	e->idx[i] = n;
}

/* Call ctor.prototype.method on the value on top; it becomes the result. */
static void
call_proto(js_State *J, const char *ctor, const char *method)
{
	js_getglobal(J, ctor);
	js_getproperty(J, -1, "prototype");
	js_getproperty(J, -1, method);
	js_copy(J, -4);
	js_call(J, 0);
	js_rot4(J);
	js_pop(J, 3);
}

/* The kind of the object on top of the stack, which stays. */
static enum clone_kind
kind_of(js_State *J)
{
	const char	*cls;
	size_t		 i;
	enum clone_kind	 kind = KIND_OTHER;

	js_copy(J, -1);
	call_proto(J, "Object", "toString");
	cls = js_tostring(J, -1);
	for (i = 0; i < sizeof(clone_classes) / sizeof(clone_classes[0]); i++)
		if (strcmp(cls, clone_classes[i].cls) == 0)
			kind = clone_classes[i].kind;
	if (kind == KIND_OTHER)
		return KIND_OTHER;	/* its class string stays for the error */
	js_pop(J, 1);
	return kind;
}

/* Push memory[k]. */
static void
push_mem(struct enc *e, uint32_t k)
{
	js_getindex(e->J, e->mem, (int)k);
}

static void	enc_value(struct enc *);

/* Encode memory[k][key] (a value, not the key); key is not used after
 * the getter ran, so it may point into e->keys. */
static void
enc_member(struct enc *e, uint32_t k, const char *key)
{
	push_mem(e, k);
	js_getproperty(e->J, -1, key);
	js_rot2pop1(e->J);
	enc_value(e);
}

/*
 * Whether key is a canonical array index ("0", "17"; below 2^32 - 1);
 * *i gets it.
 */
static int
is_index(const char *key, double *i)
{
	double	v = 0;

	if (key[0] == '\0' || (key[0] == '0' && key[1] != '\0'))
		return 0;
	for (; *key != '\0'; key++) {
		if (*key < '0' || *key > '9')
			return 0;
		v = v * 10 + (*key - '0');
		if (v >= CLONE_ARRAY_MAX)
			return 0;
	}
	*i = v;
	return 1;
}

/* Copy the own enumerable keys of memory[k] onto e->keys; their count. */
static uint32_t
collect_keys(struct enc *e, uint32_t k, uint32_t *nidx)
{
	js_State	*J = e->J;
	const char	*key;
	uint32_t	 n = 0;
	double		 i;

	*nidx = 0;
	push_mem(e, k);
	js_pushiterator(J, -1, 1);
	while ((key = js_nextiterator(J, -1)) != NULL) {
		check(e, ipc_buf_append(&e->keys, key, strlen(key) + 1));
		n++;
		*nidx += is_index(key, &i);
	}
	js_pop(J, 2);
	return n;
}

/* Next key of a run on e->keys: its offset advances past it. */
static const char *
next_key(struct enc *e, size_t *pos)
{
	const char	*key = (const char *)e->keys.data + *pos;

	*pos += strlen(key) + 1;
	return key;
}

/* A plain object: a map of its own enumerable keys, in order. */
static void
enc_plain(struct enc *e, uint32_t k)
{
	size_t		start = e->keys.len, pos = start;
	uint32_t	i, n, nidx;

	n = collect_keys(e, k, &nidx);
	check(e, msgpack_pack_map(&e->pk, n));
	for (i = 0; i < n; i++) {
		/* Only deeper levels grow e->keys: key is good until then. */
		const char	*key = next_key(e, &pos);

		check(e, text_pack(&e->pk, key));
		enc_member(e, k, key);
	}
	e->keys.len = start;
}

/*
 * An Array: a msgpack array when it is dense with no other own keys,
 * else an array record of its length and own (key, value) pairs.
 */
static void
enc_array(struct enc *e, uint32_t k)
{
	js_State	*J = e->J;
	size_t		 start = e->keys.len, pos = start;
	uint32_t	 i, n, nidx, len;
	double		 idx;

	push_mem(e, k);
	len = (uint32_t)js_getlength(J, -1);
	js_pop(J, 1);
	n = collect_keys(e, k, &nidx);
	if (n == len && nidx == len) {
		check(e, msgpack_pack_array(&e->pk, len));
		for (i = 0; i < len; i++) {
			push_mem(e, k);
			js_getindex(J, -1, (int)i);
			js_rot2pop1(J);
			enc_value(e);
		}
		e->keys.len = start;
		return;
	}
	pack_marker(e, 2 + 2 * n, CLONE_REC_ARRAY);
	check(e, msgpack_pack_uint32(&e->pk, len));
	for (i = 0; i < n; i++) {
		const char	*key = next_key(e, &pos);

		if (is_index(key, &idx))
			check(e, msgpack_pack_uint32(&e->pk, (uint32_t)idx));
		else
			check(e, text_pack(&e->pk, key));
		enc_member(e, k, key);
	}
	e->keys.len = start;
}

/* A Boolean, Number or String object: a record of its primitive. */
static void
enc_wrapper(struct enc *e, uint32_t k, const char *ctor, int8_t rec)
{
	pack_marker(e, 2, rec);
	push_mem(e, k);
	call_proto(e->J, ctor, "valueOf");
	enc_value(e);
}

static void
enc_date(struct enc *e, uint32_t k)
{
	union {
		double		d;
		uint64_t	u;
	} v;
	unsigned char	be[8];
	int		i;

	push_mem(e, k);
	call_proto(e->J, "Date", "getTime");
	v.d = js_tonumber(e->J, -1);
	if (isnan(v.d))
		v.d = NAN;
	js_pop(e->J, 1);
	for (i = 0; i < 8; i++)
		be[i] = (unsigned char)(v.u >> (56 - 8 * i));
	check(e, msgpack_pack_ext_with_body(&e->pk, be, 8, CLONE_EXT_DATE));
}

static void
enc_regexp(struct enc *e, uint32_t k)
{
	js_State	*J = e->J;
	char		 flags[4], *f = flags;

	pack_marker(e, 3, CLONE_REC_REGEXP);
	push_mem(e, k);
	js_getproperty(J, -1, "global");
	if (js_toboolean(J, -1))
		*f++ = 'g';
	js_getproperty(J, -2, "ignoreCase");
	if (js_toboolean(J, -1))
		*f++ = 'i';
	js_getproperty(J, -3, "multiline");
	if (js_toboolean(J, -1))
		*f++ = 'm';
	*f = '\0';
	js_getproperty(J, -4, "source");
	check(e, text_pack(&e->pk, js_tostring(J, -1)));
	check(e, msgpack_pack_str_with_body(&e->pk, flags, strlen(flags)));
	js_pop(J, 5);
}

/* An Error: its standard name (else "Error") and message if any. */
static void
enc_error(struct enc *e, uint32_t k)
{
	js_State	*J = e->J;
	const char	*name = "Error";
	size_t		 i;
	int		 has;

	push_mem(e, k);
	js_getproperty(J, -1, "name");
	if (js_isstring(J, -1))
		for (i = 0; i < sizeof(clone_errors) /
		    sizeof(clone_errors[0]); i++)
			if (strcmp(js_tostring(J, -1), clone_errors[i]) == 0)
				name = clone_errors[i];
	js_getproperty(J, -2, "message");
	has = !js_isundefined(J, -1);
	pack_marker(e, has ? 3 : 2, CLONE_REC_ERROR);
	check(e, msgpack_pack_str_with_body(&e->pk, name, strlen(name)));
	if (has)
		check(e, text_pack(&e->pk, js_tostring(J, -1)));
	js_pop(J, 3);
}

/* A Map or Set: a record of its flattened entries, in order. */
static void
enc_map(struct enc *e, uint32_t k, int8_t rec)
{
	js_State	*J = e->J;
	int		 i, n;

	push_mem(e, k);
	builtins_map_items(J, -1);
	n = js_getlength(J, -1);
	js_setindex(J, e->aux, e->depth);
	js_pop(J, 1);
	pack_marker(e, 1 + (uint32_t)n, rec);
	for (i = 0; i < n; i++) {
		js_getindex(J, e->aux, e->depth);
		js_getindex(J, -1, i);
		js_rot2pop1(J);
		enc_value(e);
	}
}

/* An ArrayBuffer: bin of its bytes; a detached one cannot be cloned. */
static void
enc_buffer(struct enc *e, uint32_t k)
{
	const uint8_t	*data;
	size_t		 len;
	int		 detached;

	push_mem(e, k);
	data = builtins_buffer_data(e->J, -1, &len, &detached);
	js_pop(e->J, 1);
	if (detached)
		events_throw(e->w, "DataCloneError", "An ArrayBuffer is "
		    "detached and could not be cloned.");
	check(e, msgpack_pack_bin_with_body(&e->pk, data, len));
}

/* A typed array or DataView: [marker, kind, buffer, offset, length]. */
static void
enc_view(struct enc *e, uint32_t k)
{
	size_t	off, len;
	int	kind;

	push_mem(e, k);
	kind = builtins_buffer_view(e->J, -1, &off, &len);
	js_rot2pop1(e->J);
	pack_marker(e, 5, CLONE_REC_VIEW);
	check(e, msgpack_pack_uint32(&e->pk, (uint32_t)kind));
	enc_value(e);
	check(e, msgpack_pack_uint64(&e->pk, off));
	check(e, msgpack_pack_uint64(&e->pk, len));
}

/*
 * A MessagePort: ext 4 naming its place among the ports of the transfer
 * list (the POST's transfer list holds only ports, not ArrayBuffers).
 */
static void
enc_port(struct enc *e)
{
	js_State	*J = e->J;
	unsigned char	 be[4];
	int		 i, k = 0, n = e->xfer ? js_getlength(J, e->xfer) : 0;

	for (i = 0; i < n; i++) {
		js_getindex(J, e->xfer, i);
		js_copy(J, -2);
		if (js_strictequal(J)) {
			js_pop(J, 3);
			be[0] = (unsigned char)(k >> 24);
			be[1] = (unsigned char)(k >> 16);
			be[2] = (unsigned char)(k >> 8);
			be[3] = (unsigned char)k;
			check(e, msgpack_pack_ext_with_body(&e->pk, be, 4,
			    CLONE_EXT_PORT));
			return;
		}
		js_pop(J, 1);
		k += js_isuserdata(J, -1, PORTS_TAG);
		js_pop(J, 1);
	}
	events_throw(e->w, "DataCloneError", "A MessagePort could not be "
	    "cloned because it was not transferred.");
}

static void
enc_object(struct enc *e)
{
	js_State	*J = e->J;
	enum clone_kind	 kind;
	uintptr_t	 id = clone_id(J);
	uint32_t	 k;
	size_t		 i;

	if (e->cap > 0 && e->ids[i = slot_of(e, id)] == id) {
		unsigned char	be[4];

		k = e->idx[i];
		be[0] = (unsigned char)(k >> 24);
		be[1] = (unsigned char)(k >> 16);
		be[2] = (unsigned char)(k >> 8);
		be[3] = (unsigned char)k;
		check(e, msgpack_pack_ext_with_body(&e->pk, be, 4,
		    CLONE_EXT_REF));
		js_pop(J, 1);
		return;
	}
	if (e->depth == IPC_CLONE_DEPTH)
		events_throw(e->w, "DataCloneError",
		    "#<Object> could not be cloned: nested too deeply.");
	if (js_isuserdata(J, -1, PORTS_TAG)) {
		enc_port(e);
		return;
	}
	if ((kind = kind_of(J)) == KIND_OTHER)
		events_throw(e->w, "DataCloneError", "%s could not be cloned.",
		    js_tostring(J, -1));
	k = e->count;
	seen_add(e, id, k);
	js_setindex(J, e->mem, (int)k);
	e->count++;
	e->depth++;
	switch (kind) {
	case KIND_PLAIN: enc_plain(e, k); break;
	case KIND_ARRAY: enc_array(e, k); break;
	case KIND_BOOLEAN: enc_wrapper(e, k, "Boolean", CLONE_REC_BOOLEAN);
		break;
	case KIND_NUMBER: enc_wrapper(e, k, "Number", CLONE_REC_NUMBER); break;
	case KIND_STRING: enc_wrapper(e, k, "String", CLONE_REC_STRING); break;
	case KIND_DATE: enc_date(e, k); break;
	case KIND_REGEXP: enc_regexp(e, k); break;
	case KIND_ERROR: enc_error(e, k); break;
	case KIND_MAP: enc_map(e, k, CLONE_REC_MAP); break;
	case KIND_SET: enc_map(e, k, CLONE_REC_SET); break;
	case KIND_BUFFER: enc_buffer(e, k); break;
	case KIND_VIEW: enc_view(e, k); break;
	default: break;
	}
	e->depth--;
}

/* Encode the value on top of the stack and pop it. */
static void
enc_value(struct enc *e)
{
	js_State	*J = e->J;

	switch (js_type(J, -1)) {
	case JS_ISUNDEFINED:
		check(e, msgpack_pack_ext(&e->pk, 0, CLONE_EXT_UNDEFINED));
		break;
	case JS_ISNULL:
		check(e, msgpack_pack_nil(&e->pk));
		break;
	case JS_ISBOOLEAN:
		check(e, js_toboolean(J, -1) ? msgpack_pack_true(&e->pk) :
		    msgpack_pack_false(&e->pk));
		break;
	case JS_ISNUMBER:
		enc_number(e, js_tonumber(J, -1));
		break;
	case JS_ISSTRING:
		check(e, text_pack(&e->pk, js_tostring(J, -1)));
		break;
	case JS_ISFUNCTION:
		events_throw(e->w, "DataCloneError",
		    "function could not be cloned.");
	default:
		enc_object(e);
		return;
	}
	js_pop(J, 1);
}

/*
 * Append the payload of the value at stack slot idx to b. May throw
 * (DataCloneError, out of memory, a throwing getter); the bytes then
 * appended are garbage and the caller must cut b back to its mark.
 */
void
clone_encode(struct worker *w, struct ipc_buf *b, int idx)
{
	clone_encode_transfer(w, b, idx, 0);
}

/*
 * clone_encode, with the transfer list at slot xfer (0: none): the
 * MessagePorts in it are encoded by their index there.
 */
void
clone_encode_transfer(struct worker *w, struct ipc_buf *b, int idx, int xfer)
{
	js_State	*J = w->J;
	struct enc	 e;

	memset(&e, 0, sizeof(e));
	e.xfer = xfer;
	e.w = w;
	e.J = J;
	ipc_buf_init(&e.keys);
	msgpack_packer_init(&e.pk, b, ipc_buf_write);
	if (idx < 0)
		idx = js_gettop(J) + idx;
	js_newarray(J);
	e.mem = js_gettop(J) - 1;
	js_newarray(J);
	e.aux = e.mem + 1;
	js_copy(J, idx);
	if (js_try(J)) {
		free(e.ids);
		free(e.idx);
		ipc_buf_clear(&e.keys);
		js_throw(J);
	}
	enc_value(&e);
	js_endtry(J);
	js_pop(J, 2);
	free(e.ids);
	free(e.idx);
	ipc_buf_clear(&e.keys);
}

/* One msgpack item's header, read by dec_head. */
enum dec_type { T_NIL, T_BOOL, T_UINT, T_INT, T_FLOAT, T_STR, T_BIN,
	T_ARRAY, T_MAP, T_EXT };

struct item {
	enum dec_type	 type;
	uint64_t	 u;		/* T_UINT, T_BOOL */
	int64_t		 i;		/* T_INT */
	double		 f;		/* T_FLOAT */
	uint32_t	 n;		/* bytes of str/bin/ext, count of others */
	const uint8_t	*body;		/* of str/bin/ext */
	int8_t		 ext;		/* T_EXT type */
};

/* One decoding: the bytes left, the memory array, the first fault. */
struct dec {
	js_State	*J;
	const uint8_t	*p;
	const uint8_t	*end;
	int		 mem;
	int		 aux;		/* Map keys being decoded, by depth */
	uint32_t	 count;
	const char	*why;
	int		 ports;		/* slot of the received ports, or 0 */
};

static uint64_t
get_be(const uint8_t *p, unsigned n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static int
bad(struct dec *d, const char *why)
{
	if (d->why == NULL)
		d->why = why;
	return -EBADMSG;
}

/* Read one item's header (and str/bin/ext body) at d->p. */
static int
dec_head(struct dec *d, struct item *it)
{
	const uint8_t	*p = d->p;
	unsigned	 lensize = 0, fixed = 0;
	union {
		uint64_t	u;
		double		f;
	} f64;
	union {
		uint32_t	u;
		float		f;
	} f32;
	uint8_t		 c;

	if (p >= d->end)
		return bad(d, "msgpack object is truncated");
	c = *p++;
	memset(it, 0, sizeof(*it));
#define NEED(k)	do { if ((size_t)(d->end - p) < (size_t)(k)) \
	return bad(d, "msgpack object is truncated"); } while (0)
	if (c <= 0x7f || c >= 0xe0) {
		it->type = c <= 0x7f ? T_UINT : T_INT;
		it->u = c;
		it->i = (int8_t)c;
	} else if (c <= 0x8f) {
		it->type = T_MAP;
		it->n = c & 0x0f;
	} else if (c <= 0x9f) {
		it->type = T_ARRAY;
		it->n = c & 0x0f;
	} else if (c <= 0xbf) {
		it->type = T_STR;
		it->n = c & 0x1f;
	} else
		switch (c) {
		case 0xc0: it->type = T_NIL; break;
		case 0xc2: case 0xc3: it->type = T_BOOL; it->u = c & 1; break;
		case 0xc4: case 0xc5: case 0xc6:
			it->type = T_BIN; lensize = 1u << (c - 0xc4); break;
		case 0xc7: case 0xc8: case 0xc9:
			it->type = T_EXT; lensize = 1u << (c - 0xc7); break;
		case 0xca:
			NEED(4);
			f32.u = (uint32_t)get_be(p, 4);
			it->type = T_FLOAT; it->f = f32.f; p += 4; break;
		case 0xcb:
			NEED(8);
			f64.u = get_be(p, 8);
			it->type = T_FLOAT; it->f = f64.f; p += 8; break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			NEED(1u << (c - 0xcc));
			it->type = T_UINT;
			it->u = get_be(p, 1u << (c - 0xcc));
			p += 1u << (c - 0xcc);
			break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
			unsigned	n = 1u << (c - 0xd0);
			uint64_t	v;

			NEED(n);
			v = get_be(p, n);
			if (n < 8 && (v >> (8 * n - 1)) != 0)
				v |= ~(uint64_t)0 << (8 * n);
			it->type = T_INT;
			it->i = (int64_t)v;
			p += n;
			break;
		}
		case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
			it->type = T_EXT; fixed = 1u << (c - 0xd4); break;
		case 0xd9: case 0xda: case 0xdb:
			it->type = T_STR; lensize = 1u << (c - 0xd9); break;
		case 0xdc: case 0xdd:
			it->type = T_ARRAY; lensize = 2u << (c - 0xdc); break;
		case 0xde: case 0xdf:
			it->type = T_MAP; lensize = 2u << (c - 0xde); break;
		default:
			return bad(d, "msgpack byte 0xc1 is never used");
		}
	if (lensize > 0) {
		NEED(lensize);
		it->n = (uint32_t)get_be(p, lensize);
		p += lensize;
	} else if (fixed > 0)
		it->n = fixed;
	if (it->type == T_EXT) {
		NEED(1);
		it->ext = (int8_t)*p++;
	}
	if (it->type == T_STR || it->type == T_BIN || it->type == T_EXT) {
		NEED(it->n);
		it->body = p;
		p += it->n;
	} else if ((it->type == T_ARRAY || it->type == T_MAP) &&
	    (uint64_t)it->n * (it->type == T_MAP ? 2 : 1) >
	    (uint64_t)(d->end - p))
		return bad(d, "declared element count exceeds the bytes left");
#undef NEED
	d->p = p;
	return 0;
}

/* Reserve the next memory index for an object being built. */
static uint32_t
reserve(struct dec *d)
{
	return d->count++;
}

/* memory[k] = the value on top, which stays. */
static void
remember(struct dec *d, uint32_t k)
{
	js_copy(d->J, -1);
	js_setindex(d->J, d->mem, (int)k);
}

static int	dec_value(struct dec *, unsigned);

/* Decode a value and set it as memory[k][key] or [index] (key NULL). */
static int
dec_member(struct dec *d, unsigned depth, uint32_t k, const struct item *key,
    uint32_t index)
{
	js_State	*J = d->J;

	if (dec_value(d, depth) < 0)
		return -EBADMSG;
	js_getindex(J, d->mem, (int)k);
	js_rot2(J);
	if (key == NULL) {
		js_pushnumber(J, index);
		js_rot2(J);
		js_setproperty(J, -3, js_tostring(J, -2));
		js_pop(J, 2);
		return 0;
	}
	text_push(J, (const char *)key->body, key->n);
	js_rot2(J);
	js_defproperty(J, -3, js_tostring(J, -2), 0);
	js_pop(J, 2);
	return 0;
}

static int
is_text(const struct item *it)
{
	return it->type == T_STR ||
	    (it->type == T_EXT && it->ext == TEXT_EXT_WTF8 &&
	    text_wtf8_valid(it->body, it->n));
}

/* A plain object from a map of n pairs with str keys. */
static int
dec_map(struct dec *d, unsigned depth, uint32_t n)
{
	struct item	key;
	uint32_t	k = reserve(d), i;

	js_newobject(d->J);
	remember(d, k);
	js_pop(d->J, 1);
	for (i = 0; i < n; i++) {
		if (dec_head(d, &key) < 0)
			return -EBADMSG;
		if (!is_text(&key))
			return bad(d, "object key is not a string");
		if (dec_member(d, depth, k, &key, 0) < 0)
			return -EBADMSG;
	}
	js_getindex(d->J, d->mem, (int)k);
	return 0;
}

/* A dense Array of n elements. */
static int
dec_array(struct dec *d, unsigned depth, uint32_t n)
{
	uint32_t	k = reserve(d), i;

	js_newarray(d->J);
	remember(d, k);
	js_pop(d->J, 1);
	for (i = 0; i < n; i++)
		if (dec_member(d, depth, k, NULL, i) < 0)
			return -EBADMSG;
	js_getindex(d->J, d->mem, (int)k);
	return 0;
}

/* An array record: length, then (index or name, value) pairs. */
static int
dec_holey(struct dec *d, unsigned depth, uint32_t n)
{
	js_State	*J = d->J;
	struct item	 it;
	uint32_t	 k = reserve(d), i;

	if (n % 2 != 1)
		return bad(d, "array record has an odd key/value count");
	if (dec_head(d, &it) < 0)
		return -EBADMSG;
	if (it.type != T_UINT || it.u > (uint64_t)CLONE_ARRAY_MAX)
		return bad(d, "array record length is not an array length");
	js_newarray(J);
	js_pushnumber(J, (double)it.u);
	js_setproperty(J, -2, "length");
	remember(d, k);
	js_pop(J, 1);
	for (i = 1; i < n; i += 2) {
		if (dec_head(d, &it) < 0)
			return -EBADMSG;
		if (it.type == T_UINT) {
			if (it.u >= (uint64_t)CLONE_ARRAY_MAX)
				return bad(d, "array record index too large");
			if (dec_member(d, depth, k, NULL, (uint32_t)it.u) < 0)
				return -EBADMSG;
		} else if (is_text(&it)) {
			if (dec_member(d, depth, k, &it, 0) < 0)
				return -EBADMSG;
		} else
			return bad(d, "array record key is not an index or "
			    "a string");
	}
	js_getindex(J, d->mem, (int)k);
	return 0;
}

/* new ctor(the n values on top): they are replaced by the object. */
static void
construct(js_State *J, const char *ctor, int n)
{
	js_getglobal(J, ctor);
	js_rot(J, n + 1);
	js_construct(J, n);
}

/* A wrapper, RegExp or Error record of n values after the marker. */
static int
dec_simple(struct dec *d, unsigned depth, int8_t rec, uint32_t n)
{
	static const int	 want[] = { JS_ISBOOLEAN, JS_ISNUMBER,
	    JS_ISSTRING };
	static const char *const ctors[] = { "Boolean", "Number", "String" };
	js_State		*J = d->J;
	const char		*ctor;
	uint32_t		 k = reserve(d), i;
	size_t			 j;

	if (rec <= CLONE_REC_STRING && n != 1)
		return bad(d, "wrapper record needs one value");
	if (rec == CLONE_REC_REGEXP && n != 2)
		return bad(d, "RegExp record needs source and flags");
	if (rec == CLONE_REC_ERROR && n != 1 && n != 2)
		return bad(d, "Error record needs a name and a message");
	for (i = 0; i < n; i++) {
		if (dec_value(d, depth) < 0)
			return -EBADMSG;
		if (rec > CLONE_REC_STRING && !js_isstring(J, -1))
			return bad(d, "RegExp or Error record holds a "
			    "non-string");
	}
	if (rec <= CLONE_REC_STRING) {
		if (js_type(J, -1) != want[rec - CLONE_REC_BOOLEAN])
			return bad(d, "wrapper record holds the wrong type");
		ctor = ctors[rec - CLONE_REC_BOOLEAN];
	} else if (rec == CLONE_REC_REGEXP)
		ctor = "RegExp";
	else {
		if (n == 1)
			js_pushundefined(J);
		ctor = "Error";
		for (j = 0; j < sizeof(clone_errors) / sizeof(clone_errors[0]);
		    j++)
			if (strcmp(js_tostring(J, -2), clone_errors[j]) == 0)
				ctor = clone_errors[j];
		js_rot2pop1(J);
		n = 1;
	}
	construct(J, ctor, (int)n);
	remember(d, k);
	return 0;
}

/* A Map (pairs) or Set (values) record of n items after the marker. */
static int
dec_mapset(struct dec *d, unsigned depth, int set, uint32_t n)
{
	js_State	*J = d->J;
	uint32_t	 k = reserve(d), i;

	if (!set && n % 2 != 0)
		return bad(d, "Map record has an odd key/value count");
	builtins_map_new(J, set);
	remember(d, k);
	js_pop(J, 1);
	for (i = 0; i < n; i += set ? 1 : 2) {
		if (dec_value(d, depth) < 0)
			return -EBADMSG;
		if (!set) {
			/* The key waits in aux, not on the small stack. */
			js_setindex(J, d->aux, (int)depth);
			if (dec_value(d, depth) < 0)
				return -EBADMSG;
		}
		js_getindex(J, d->mem, (int)k);
		js_rot2(J);			/* map, value */
		if (!set) {
			js_getindex(J, d->aux, (int)depth);
			js_rot2(J);		/* map, key, value */
		} else
			js_pushundefined(J);	/* map, value, unused */
		builtins_map_put(J, -3);
		js_pop(J, 1);
	}
	js_getindex(J, d->mem, (int)k);
	return 0;
}

/* A view record: kind, buffer, byte offset, length. */
static int
dec_view(struct dec *d, unsigned depth, uint32_t n)
{
	js_State	*J = d->J;
	struct item	 kind, off, len;
	uint32_t	 k = reserve(d);

	if (n != 4)
		return bad(d, "view record needs kind, buffer, offset, length");
	if (dec_head(d, &kind) < 0)
		return -EBADMSG;
	if (kind.type != T_UINT || kind.u >= BUFFER_KINDS)
		return bad(d, "view record has an unknown kind");
	if (dec_value(d, depth) < 0)
		return -EBADMSG;
	if (!builtins_buffer_is(J, -1))
		return bad(d, "view record buffer is not an ArrayBuffer");
	if (dec_head(d, &off) < 0 || dec_head(d, &len) < 0)
		return -EBADMSG;
	if (off.type != T_UINT || len.type != T_UINT ||
	    off.u > UINT32_MAX || len.u > UINT32_MAX)
		return bad(d, "view record offset or length is not a uint");
	builtins_buffer_view_new(J, (int)kind.u, (double)off.u,
	    (double)len.u);
	remember(d, k);
	return 0;
}

/* An ArrayBuffer from bin bytes. */
static int
dec_buffer(struct dec *d, const struct item *it)
{
	uint32_t	 k = reserve(d);
	uint8_t		*data = builtins_buffer_new(d->J, it->n);

	if (it->n > 0)
		memcpy(data, it->body, it->n);
	remember(d, k);
	return 0;
}

/* An array item of n elements: a record if a marker starts it. */
static int
dec_list(struct dec *d, unsigned depth, uint32_t n)
{
	struct item	it;
	const uint8_t	*save = d->p;

	if (n == 0 || dec_head(d, &it) < 0 || it.type != T_EXT ||
	    it.ext < CLONE_REC_MIN) {
		d->p = save;
		d->why = NULL;
		return dec_array(d, depth, n);
	}
	if (it.ext > CLONE_REC_MAX)
		return bad(d, "unknown ext type in payload");
	if (it.n != 0)
		return bad(d, "record marker has data");
	switch (it.ext) {
	case CLONE_REC_BOOLEAN:
	case CLONE_REC_NUMBER:
	case CLONE_REC_STRING:
	case CLONE_REC_REGEXP:
	case CLONE_REC_ERROR:
		return dec_simple(d, depth, it.ext, n - 1);
	case CLONE_REC_ARRAY:
		return dec_holey(d, depth, n - 1);
	case CLONE_REC_MAP:
	case CLONE_REC_SET:
		return dec_mapset(d, depth, it.ext == CLONE_REC_SET, n - 1);
	case CLONE_REC_VIEW:
		return dec_view(d, depth, n - 1);
	default:
		return bad(d, "record type not supported by this worker");
	}
}

static int
dec_ext(struct dec *d, const struct item *it)
{
	js_State	*J = d->J;
	union {
		uint64_t	u;
		double		f;
	} v;
	uint32_t	k;

	switch (it->ext) {
	case CLONE_EXT_UNDEFINED:
		if (it->n != 0)
			return bad(d, "undefined has data");
		js_pushundefined(J);
		return 0;
	case CLONE_EXT_REF:
		if (it->n != 4)
			return bad(d, "back-reference is not 4 bytes");
		k = (uint32_t)get_be(it->body, 4);
		if (k >= d->count || k > INT32_MAX ||
		    !js_hasindex(J, d->mem, (int)k))
			return bad(d, "back-reference out of range");
		return 0;
	case TEXT_EXT_WTF8:
		if (!text_wtf8_valid(it->body, it->n))
			return bad(d, "string is not WTF-8");
		text_push(J, (const char *)it->body, it->n);
		return 0;
	case CLONE_EXT_PORT:
		if (it->n != 4)
			return bad(d, "port reference is not 4 bytes");
		k = (uint32_t)get_be(it->body, 4);
		if (d->ports == 0 || k >= (uint32_t)js_getlength(J, d->ports))
			return bad(d, "port reference out of range");
		js_getindex(J, d->ports, (int)k);
		return 0;
	case CLONE_EXT_DATE:
		if (it->n != 8)
			return bad(d, "Date is not 8 bytes");
		k = reserve(d);
		v.u = get_be(it->body, 8);
		js_pushnumber(J, v.f);
		construct(J, "Date", 1);
		remember(d, k);
		return 0;
	default:
		return bad(d, it->ext >= CLONE_REC_MIN &&
		    it->ext <= CLONE_REC_MAX ? "record marker outside a "
		    "record" : "unknown ext type in payload");
	}
}

/* Push the item if it is a primitive that needs no memory: 1, else 0. */
static int
dec_leaf(js_State *J, const struct item *it)
{
	switch (it->type) {
	case T_NIL: js_pushnull(J); return 1;
	case T_BOOL: js_pushboolean(J, (int)it->u); return 1;
	case T_UINT: js_pushnumber(J, (double)it->u); return 1;
	case T_INT: js_pushnumber(J, (double)it->i); return 1;
	case T_FLOAT: js_pushnumber(J, it->f); return 1;
	case T_STR:
		text_push(J, (const char *)it->body, it->n);
		return 1;
	default:
		return 0;
	}
}

/* Decode one value at d->p and push it. depth: containers open. */
static int
dec_value(struct dec *d, unsigned depth)
{
	js_State	*J = d->J;
	struct item	 it;

	if (dec_head(d, &it) < 0)
		return -EBADMSG;
	if (dec_leaf(J, &it))
		return 0;
	switch (it.type) {
	case T_EXT:
		return dec_ext(d, &it);
	case T_BIN:
		return dec_buffer(d, &it);
	default:
		break;
	}
	if (depth >= IPC_CLONE_DEPTH)
		return bad(d, "nesting exceeds the depth limit");
	if (it.type == T_MAP)
		return dec_map(d, depth + 1, it.n);
	return dec_list(d, depth + 1, it.n);
}

/*
 * Validate and decode a payload, pushing its value. 0, or -EBADMSG
 * with *why and nothing pushed. Never throws: a value the engine will
 * not build (a bad RegExp, out of memory) is -EBADMSG too.
 */
int
clone_decode(struct worker *w, const uint8_t *p, size_t n, const char **why)
{
	return clone_decode_ports(w, p, n, 0, why);
}

/*
 * clone_decode with the received MessagePorts in the array at slot
 * ports (0: none), which ext 4 references name by index.
 */
int
clone_decode_ports(struct worker *w, const uint8_t *p, size_t n, int ports,
    const char **why)
{
	js_State	*J = w->J;
	struct dec	 d;
	struct item	 it;
	int		 rc, top = js_gettop(J);

	if ((rc = ipc_check(p, n, IPC_CLONE_DEPTH, why)) < 0)
		return rc;
	memset(&d, 0, sizeof(d));
	d.ports = ports;
	d.J = J;
	d.p = p;
	d.end = p + n;
	if (js_try(J)) {
		js_pop(J, js_gettop(J) - top);
		*why = "a value in the payload could not be built";
		return -EBADMSG;
	}
	/* A lone primitive (most messages): no memory arrays to make. */
	if (dec_head(&d, &it) == 0 && d.p == d.end && dec_leaf(J, &it)) {
		js_endtry(J);
		return 0;
	}
	d.p = p;
	js_newarray(J);
	d.mem = js_gettop(J) - 1;
	js_newarray(J);
	d.aux = d.mem + 1;
	rc = dec_value(&d, 0);
	if (rc == 0 && d.p != d.end)
		rc = bad(&d, "trailing bytes after the msgpack object");
	js_endtry(J);
	if (rc < 0) {
		js_pop(J, js_gettop(J) - top);
		*why = d.why;
		return rc;
	}
	js_rot3pop2(J);
	return 0;
}

/*
 * Check the transfer list at stack slot idx before a clone: only
 * ArrayBuffers and MessagePorts held here, none detached, none twice;
 * else DataCloneError. who names the caller.
 */
void
clone_transfer(struct worker *w, int idx, const char *who)
{
	js_State	*J = w->J;
	int		 i, j, n = js_getlength(J, idx);
	size_t		 len;
	int		 detached;

	for (i = 0; i < n; i++) {
		js_getindex(J, idx, i);
		if (js_isuserdata(J, -1, PORTS_TAG))
			ports_check(w, -1, who, i);
		else if (!builtins_buffer_is(J, -1))
			events_throw(w, "DataCloneError", "Failed to execute "
			    "'%s': Value at index %d does not have a "
			    "transferable type.", who, i);
		else {
			builtins_buffer_data(J, -1, &len, &detached);
			if (detached)
				events_throw(w, "DataCloneError", "Failed to "
				    "execute '%s': ArrayBuffer at index %d is "
				    "already detached.", who, i);
		}
		for (j = 0; j < i; j++) {
			js_getindex(J, idx, j);
			js_copy(J, -2);
			if (js_strictequal(J))
				events_throw(w, "DataCloneError", "Failed to "
				    "execute '%s': %s at index %d is a "
				    "duplicate of an earlier one.", who,
				    js_isuserdata(J, -1, PORTS_TAG) ?
				    "MessagePort" : "ArrayBuffer", i);
			js_pop(J, 2);
		}
		js_pop(J, 1);
	}
}

/* Detach every ArrayBuffer of the checked transfer list at idx. */
void
clone_detach(struct worker *w, int idx)
{
	js_State	*J = w->J;
	int		 i, n = js_getlength(J, idx);

	for (i = 0; i < n; i++) {
		js_getindex(J, idx, i);
		if (builtins_buffer_is(J, -1))
			builtins_buffer_detach(J, -1);
		js_pop(J, 1);
	}
}

/*
 * structuredClone(value, options): the same codec both ways, in one
 * process; the ArrayBuffers of options.transfer end up detached, and
 * each MessagePort in it is renewed: the clone holds a new object for
 * the same port (same peer, same queue), the original is neutered.
 */
static void
fn_structured_clone(js_State *J)
{
	struct worker	*w = js_getcontext(J);
	struct ipc_buf	 b;
	const char	*why;
	int		 tidx = 0, i, n, nports = 0;

	if (js_gettop(J) < 2)
		js_pushundefined(J);
	if (js_gettop(J) < 3)
		js_pushundefined(J);
	if (js_isobject(J, 2)) {
		js_getproperty(J, 2, "transfer");
		if (js_isarray(J, -1))
			tidx = js_gettop(J) - 1;
		else if (!js_isundefined(J, -1))
			js_typeerror(J, "Failed to execute 'structuredClone': "
			    "transfer is not a sequence.");
	}
	if (tidx > 0)
		clone_transfer(w, tidx, "structuredClone");
	ipc_buf_init(&b);
	if (js_try(J)) {
		ipc_buf_clear(&b);
		js_throw(J);
	}
	clone_encode_transfer(w, &b, 1, tidx);
	js_newarray(J);
	for (i = 0, n = tidx > 0 ? js_getlength(J, tidx) : 0; i < n; i++) {
		js_getindex(J, tidx, i);
		if (js_isuserdata(J, -1, PORTS_TAG)) {
			ports_renew(w, -1);
			js_setindex(J, -3, nports++);
		}
		js_pop(J, 1);
	}
	if (clone_decode_ports(w, ipc_buf_head(&b), ipc_buf_used(&b),
	    js_gettop(J) - 1, &why) < 0)
		events_throw(w, "DataCloneError", "%s", why);
	js_endtry(J);
	ipc_buf_clear(&b);
	if (tidx > 0)
		clone_detach(w, tidx);
}

/* Define the global structuredClone. 0. */
int
clone_install(struct worker *w)
{
	js_State	*J = w->J;

	js_newcfunction(J, fn_structured_clone, "structuredClone", 1);
	js_defglobal(J, "structuredClone", JS_DONTENUM);
	return 0;
}
