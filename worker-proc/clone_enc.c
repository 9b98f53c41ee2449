/*
 * clone_enc.c: the structured-clone encoder of wwd-worker, from a mujs
 * value to the msgpack payload of POST and CONSOLE (docs/protocol.md,
 * "Payloads"). mujs's value stack holds only 256 slots, so nothing is
 * kept there per level: every object goes into one "memory" array whose
 * index is also its back-reference number, and the state of each level
 * lives in C (struct enc). Packs into the caller's buffer and throws
 * DataCloneError for what cannot be cloned (the caller rolls it back).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include "check.h"
#include "clone.h"
#include "worker.h"

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

/*
 * Push memory[k][key] and return 1, or return 0 if it is no longer an
 * own property: a getter run for an earlier key may have deleted it,
 * and HTML then leaves it out (an inherited one of the same name too).
 */
static int
get_member(struct enc *e, uint32_t k, const char *key)
{
	js_State	*J = e->J;

	push_mem(e, k);
	if (!fixes_own(J, js_gettop(J) - 1, key)) {
		js_pop(J, 1);
		return 0;
	}
	js_getproperty(J, -1, key);
	js_rot2pop1(J);
	return 1;
}

/* The output's length now: where the next header goes (patch_count). */
static size_t
out_at(const struct enc *e)
{
	return ipc_buf_used(e->pk.data);
}

/*
 * The map or array header at offset at was written for more items than
 * came (keys a getter deleted): rewrite its count as n, in the same
 * width, so nothing after it moves.
 */
static void
patch_count(struct enc *e, size_t at, uint32_t n)
{
	uint8_t	*p = ipc_buf_head(e->pk.data) + at;

	switch (p[0]) {
	case 0xdc:	/* array 16 */
	case 0xde:	/* map 16 */
		p[1] = (uint8_t)(n >> 8);
		p[2] = (uint8_t)n;
		break;
	case 0xdd:	/* array 32 */
	case 0xdf:	/* map 32 */
		p[1] = (uint8_t)(n >> 24);
		p[2] = (uint8_t)(n >> 16);
		p[3] = (uint8_t)(n >> 8);
		p[4] = (uint8_t)n;
		break;
	default:	/* fixmap, fixarray: the count was under 16 too */
		p[0] = (uint8_t)((p[0] & 0xf0) | n);
		break;
	}
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
	size_t		start = e->keys.len, pos = start, at = out_at(e);
	uint32_t	i, n, nidx, got = 0;

	n = collect_keys(e, k, &nidx);
	check(e, msgpack_pack_map(&e->pk, n));
	for (i = 0; i < n; i++) {
		/* Only deeper levels grow e->keys: key is good until then. */
		const char	*key = next_key(e, &pos);

		if (!get_member(e, k, key))
			continue;
		check(e, text_pack(&e->pk, key));
		enc_value(e);
		got++;
	}
	if (got < n)
		patch_count(e, at, got);
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
	size_t		 start = e->keys.len, pos = start, at;
	uint32_t	 i, n, nidx, len, got = 0;
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
	at = out_at(e);
	pack_marker(e, 2 + 2 * n, CLONE_REC_ARRAY);
	check(e, msgpack_pack_uint32(&e->pk, len));
	for (i = 0; i < n; i++) {
		const char	*key = next_key(e, &pos);

		if (!get_member(e, k, key))
			continue;
		/* The value waits on the stack while the key goes out. */
		if (is_index(key, &idx))
			check(e, msgpack_pack_uint32(&e->pk, (uint32_t)idx));
		else
			check(e, text_pack(&e->pk, key));
		enc_value(e);
		got++;
	}
	if (got < n)
		patch_count(e, at, 2 + 2 * got);
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

/* An Error: its standard name (else "Error") and own message if any. */
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
		for (i = 0; i < CLONE_NERRORS; i++)
			if (strcmp(js_tostring(J, -1), clone_errors[i]) == 0)
				name = clone_errors[i];
	/* Only an own data property: a getter is not called. */
	if (!(has = fixes_own_data(J, js_gettop(J) - 2, "message")))
		js_pushundefined(J);
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

/* An ext of the given type whose body is v, 4 bytes big-endian. */
static void
enc_ext32(struct enc *e, int8_t type, uint32_t v)
{
	uint8_t	be[4];

	ipc_put32(be, v);
	check(e, msgpack_pack_ext_with_body(&e->pk, be, 4, type));
}

/*
 * A MessagePort: ext 4 naming its place among the ports of the transfer
 * list (the POST's transfer list holds only ports, not ArrayBuffers).
 */
static void
enc_port(struct enc *e)
{
	js_State	*J = e->J;
	int		 i, k = 0, n = e->xfer ? js_getlength(J, e->xfer) : 0;

	for (i = 0; i < n; i++) {
		js_getindex(J, e->xfer, i);
		js_copy(J, -2);
		if (js_strictequal(J)) {
			js_pop(J, 3);
			enc_ext32(e, CLONE_EXT_PORT, (uint32_t)k);
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
		enc_ext32(e, CLONE_EXT_REF, e->idx[i]);
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
	clone_encode_transfer(w, b, idx, 0, NULL);
}

/*
 * clone_encode, with the transfer list at slot xfer (0: none): the
 * MessagePorts in it are encoded by their index there. Getters ran
 * meanwhile, so the list is checked again once the value is encoded,
 * as HTML's StructuredSerializeWithTransfer does: what they closed,
 * gave away or detached is a DataCloneError, who naming the caller.
 */
void
clone_encode_transfer(struct worker *w, struct ipc_buf *b, int idx, int xfer,
    const char *who)
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
	if (xfer > 0)
		clone_transfer(w, xfer, who);
}
