/*
 * clone_dec.c: the structured-clone decoder of wwd-worker, from the
 * msgpack payload of POST (docs/protocol.md, "Payloads") to a mujs
 * value. The bytes are validated first (ipc_check); objects go into one
 * "memory" array whose index is the back-reference number, as the
 * encoder numbered them, and the state of each level lives in C
 * (struct dec). A payload that does not decode is an error to the
 * caller, never a throw.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include "check.h"
#include "clone.h"
#include "worker.h"

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
			f32.u = (uint32_t)ipc_get_be(p, 4);
			it->type = T_FLOAT; it->f = f32.f; p += 4; break;
		case 0xcb:
			NEED(8);
			f64.u = ipc_get_be(p, 8);
			it->type = T_FLOAT; it->f = f64.f; p += 8; break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			NEED(1u << (c - 0xcc));
			it->type = T_UINT;
			it->u = ipc_get_be(p, 1u << (c - 0xcc));
			p += 1u << (c - 0xcc);
			break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
			unsigned	n = 1u << (c - 0xd0);
			uint64_t	v;

			NEED(n);
			v = ipc_get_be(p, n);
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
		it->n = (uint32_t)ipc_get_be(p, lensize);
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
		for (j = 0; j < CLONE_NERRORS; j++)
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
		k = (uint32_t)ipc_get_be(it->body, 4);
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
		k = (uint32_t)ipc_get_be(it->body, 4);
		if (d->ports == 0 || k >= (uint32_t)js_getlength(J, d->ports))
			return bad(d, "port reference out of range");
		js_getindex(J, d->ports, (int)k);
		return 0;
	case CLONE_EXT_DATE:
		if (it->n != 8)
			return bad(d, "Date is not 8 bytes");
		k = reserve(d);
		v.u = ipc_get_be(it->body, 8);
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
