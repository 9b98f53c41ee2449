/*
 * clone.c: structured clone between mujs values and the msgpack
 * payload of POST and CONSOLE (the JSON-able subset for now: undefined,
 * null, booleans, numbers, strings, arrays, plain objects). Encoding
 * packs straight into the caller's output buffer; anything else, a
 * cycle or a nesting deeper than IPC_CLONE_DEPTH throws DataCloneError
 * and the caller rolls the buffer back. Decoding validates first.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "check.h"
#include "worker.h"

#define CLONE_PLAIN	"[object Object]"

struct enc {
	struct worker	*w;
	msgpack_packer	 pk;
	int		 anc[IPC_CLONE_DEPTH];	/* stack slots of ancestors */
	int		 depth;
};

static int
buf_write(void *data, const char *p, size_t n)
{
	return ipc_buf_append(data, p, n) < 0 ? -1 : 0;
}

static void
check(struct enc *e, int rc)
{
	if (rc != 0)
		js_error(e->w->J, "out of memory");
}

/* A JS string as a msgpack str, in wire form (see text.c). */
static void
enc_string(struct enc *e, const char *s)
{
	check(e, text_pack(&e->pk, s));
}

/* Integral values in [-2^63, 2^63) but -0 as ints, the rest float64. */
static void
enc_number(struct enc *e, double d)
{
	if (d == floor(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0 && !(d == 0 && signbit(d)))
		check(e, msgpack_pack_int64(&e->pk, (int64_t)d));
	else
		check(e, msgpack_pack_double(&e->pk, d));
}

/* Object.prototype.toString.call(v) == "[object Object]". */
static int
is_plain(js_State *J, int idx)
{
	int	plain;

	js_getglobal(J, "Object");
	js_getproperty(J, -1, "prototype");
	js_getproperty(J, -1, "toString");
	js_copy(J, idx);
	js_call(J, 0);
	plain = strcmp(js_tostring(J, -1), CLONE_PLAIN) == 0;
	js_pop(J, 3);
	return plain;
}

static void	enc_value(struct enc *, int);

static void
enc_array(struct enc *e, int idx)
{
	js_State	*J = e->w->J;
	int		 i, n = js_getlength(J, idx);

	check(e, msgpack_pack_array(&e->pk, (size_t)n));
	for (i = 0; i < n; i++) {
		/* Holes are undefined until sparse arrays get their ext. */
		if (!js_hasindex(J, idx, i))
			js_pushundefined(J);
		enc_value(e, js_gettop(J) - 1);
		js_pop(J, 1);
	}
}

/* Own enumerable keys, collected first so the map count holds. */
static void
enc_object(struct enc *e, int idx)
{
	js_State	*J = e->w->J;
	const char	*key;
	int		 i, n = 0, keys;

	js_newarray(J);
	keys = js_gettop(J) - 1;
	js_pushiterator(J, idx, 1);
	while ((key = js_nextiterator(J, -1)) != NULL) {
		js_pushstring(J, key);
		js_setindex(J, keys, n++);
	}
	js_pop(J, 1);
	check(e, msgpack_pack_map(&e->pk, (size_t)n));
	for (i = 0; i < n; i++) {
		js_getindex(J, keys, i);
		key = js_tostring(J, -1);
		enc_string(e, key);
		js_getproperty(J, idx, key);
		enc_value(e, js_gettop(J) - 1);
		js_pop(J, 2);
	}
	js_pop(J, 1);
}

static void
enc_value(struct enc *e, int idx)
{
	js_State	*J = e->w->J;
	int		 i;

	switch (js_type(J, idx)) {
	case JS_ISUNDEFINED:
		check(e, msgpack_pack_ext(&e->pk, 0, 0));
		return;
	case JS_ISNULL:
		check(e, msgpack_pack_nil(&e->pk));
		return;
	case JS_ISBOOLEAN:
		check(e, js_toboolean(J, idx) ? msgpack_pack_true(&e->pk) :
		    msgpack_pack_false(&e->pk));
		return;
	case JS_ISNUMBER:
		enc_number(e, js_tonumber(J, idx));
		return;
	case JS_ISSTRING:
		enc_string(e, js_tostring(J, idx));
		return;
	case JS_ISFUNCTION:
		events_throw(e->w, "DataCloneError",
		    "function could not be cloned.");
	}
	for (i = 0; i < e->depth; i++) {
		js_copy(J, e->anc[i]);
		js_copy(J, idx);
		if (js_strictequal(J))
			events_throw(e->w, "DataCloneError",
			    "#<Object> could not be cloned: it is cyclic.");
		js_pop(J, 2);
	}
	if (e->depth == IPC_CLONE_DEPTH)
		events_throw(e->w, "DataCloneError",
		    "#<Object> could not be cloned: nested too deeply.");
	if (js_iscallable(J, idx))
		events_throw(e->w, "DataCloneError",
		    "function could not be cloned.");
	e->anc[e->depth++] = idx;
	if (js_isarray(J, idx))
		enc_array(e, idx);
	else if (is_plain(J, idx))
		enc_object(e, idx);
	else {
		js_getglobal(J, "Object");
		js_getproperty(J, -1, "prototype");
		js_getproperty(J, -1, "toString");
		js_copy(J, idx);
		js_call(J, 0);
		events_throw(e->w, "DataCloneError", "%s could not be cloned.",
		    js_tostring(J, -1));
	}
	e->depth--;
}

/*
 * Append the payload of the value at stack slot idx to b. May throw
 * (DataCloneError, out of memory, a throwing getter); the bytes then
 * appended are garbage and the caller must cut b back to its mark.
 */
void
clone_encode(struct worker *w, struct ipc_buf *b, int idx)
{
	struct enc	e;

	e.w = w;
	e.depth = 0;
	msgpack_packer_init(&e.pk, b, buf_write);
	if (idx < 0)
		idx = js_gettop(w->J) + idx;
	enc_value(&e, idx);
}

static int
dec_value(js_State *J, const msgpack_object *o, const char **why)
{
	uint32_t	i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		js_pushnull(J);
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		js_pushboolean(J, o->via.boolean);
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		js_pushnumber(J, (double)o->via.u64);
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		js_pushnumber(J, (double)o->via.i64);
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		js_pushnumber(J, o->via.f64);
		return 0;
	case MSGPACK_OBJECT_STR:
		text_push(J, o->via.str.ptr, o->via.str.size);
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		js_newarray(J);
		for (i = 0; i < o->via.array.size; i++) {
			if (dec_value(J, &o->via.array.ptr[i], why) < 0)
				return -EBADMSG;
			js_setindex(J, -2, (int)i);
		}
		return 0;
	case MSGPACK_OBJECT_MAP:
		js_newobject(J);
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv	*kv = &o->via.map.ptr[i];

			if (kv->key.type != MSGPACK_OBJECT_STR) {
				*why = "object key is not a string";
				return -EBADMSG;
			}
			text_push(J, kv->key.via.str.ptr,
			    kv->key.via.str.size);
			if (dec_value(J, &kv->val, why) < 0)
				return -EBADMSG;
			js_defproperty(J, -3, js_tostring(J, -2), 0);
			js_pop(J, 1);
		}
		return 0;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.type == 0 && o->via.ext.size == 0) {
			js_pushundefined(J);
			return 0;
		}
		*why = "unknown ext type in payload";
		return -EBADMSG;
	default:
		*why = "unsupported msgpack type in payload";
		return -EBADMSG;
	}
}

/*
 * Validate and decode a payload, pushing its value. 0, or -EBADMSG
 * with *why and nothing pushed. May throw only when out of memory.
 */
int
clone_decode(struct worker *w, const uint8_t *p, size_t n, const char **why)
{
	js_State		*J = w->J;
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 rc, top = js_gettop(J);

	if ((rc = ipc_check(p, n, IPC_CLONE_DEPTH, why)) < 0)
		return rc;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)p, n, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != n) {
		msgpack_unpacked_destroy(&u);
		*why = "payload is not one msgpack object";
		return -EBADMSG;
	}
	if (js_try(J)) {
		msgpack_unpacked_destroy(&u);
		js_throw(J);
	}
	rc = dec_value(J, &u.data, why);
	js_endtry(J);
	msgpack_unpacked_destroy(&u);
	if (rc < 0)
		js_pop(J, js_gettop(J) - top);
	return rc;
}
