/*
 * msg.c: names, directions and body codecs of the message list in
 * msg.h. Every body is a msgpack array; most are described once as a
 * table of fields, which drives both the encoder and the decoder, so the
 * two cannot drift apart. POST is written by hand: the daemon must be able
 * to forward it untouched and the worker packs payloads straight into it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "check.h"
#include "frame.h"
#include "msg.h"

static const struct {
	const char	*name;
	unsigned	 dirs;
} types[] = {
#define X(name, num, dirs) [num] = { #name, dirs },
	IPC_MESSAGES(X)
#undef X
};

#define NTYPES (sizeof types / sizeof types[0])

/* The type's name for logs, or NULL for an unknown type. */
const char *
ipc_type_name(unsigned type)
{
	return type < NTYPES ? types[type].name : NULL;
}

/* Whether type may travel in direction dir (one IPC_C2D... bit). */
int
ipc_type_allowed(unsigned type, unsigned dir)
{
	return type < NTYPES && (types[type].dirs & dir) != 0;
}

/* A slice over a C string (NULL gives the empty string). */
struct ipc_str
ipc_str(const char *s)
{
	struct ipc_str	r = { s ? s : "", s ? (uint32_t)strlen(s) : 0 };

	return r;
}

/* Whether slice a equals the C string s. */
int
ipc_str_eq(struct ipc_str a, const char *s)
{
	return strlen(s) == a.len && memcmp(a.ptr, s, a.len) == 0;
}

/*
 * The length of the character at p (n bytes left) if it is well-formed
 * UTF-8: no overlong form, nothing above U+10FFFF, and a surrogate only
 * if surrogates (WTF-8, a JavaScript string's lone halves). 0 if not.
 */
size_t
ipc_utf8_char(const uint8_t *p, size_t n, int surrogates)
{
	size_t	len, k;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] > 0x8f) ||
	    (!surrogates && p[0] == 0xed && p[1] > 0x9f))
		return 0;
	return len;
}

/* Whether slice a is UTF-8 (the protocol's str). */
int
ipc_str_utf8(struct ipc_str a)
{
	const uint8_t	*p = (const uint8_t *)a.ptr;
	size_t		 i, k;

	for (i = 0; i < a.len; i += k)
		if ((k = ipc_utf8_char(p + i, a.len - i, 0)) == 0)
			return 0;
	return 1;
}

/* A NUL-terminated heap copy of the slice; the caller frees it. */
char *
ipc_str_dup(struct ipc_str a)
{
	char	*s;

	if ((s = malloc((size_t)a.len + 1)) == NULL)
		return NULL;
	memcpy(s, a.ptr, a.len);
	s[a.len] = '\0';
	return s;
}

enum field_kind { F_U32, F_U64, F_I32, F_STR, F_BIN };

struct field {
	enum field_kind	 kind;
	void		*p;
	const char	*err;	/* what a wrongly typed value is told */
};

#define U32(name, dst) { F_U32, dst, name " must be an unsigned integer" }
#define U64(name, dst) { F_U64, dst, name " must be an unsigned integer" }
#define I32(name, dst) { F_I32, dst, name " must be an integer" }
#define STR(name, dst) { F_STR, dst, name " must be a string" }
#define BIN(name, dst) { F_BIN, dst, name " must be binary" }
#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* Append a frame whose body is the array of fields. 0 or -ENOMEM. */
static int
encode(struct ipc_buf *b, uint16_t type, uint64_t port,
    const struct field *f, size_t n)
{
	msgpack_packer	pk;
	size_t		start, i;
	int		rc = 0;

	if (ipc_frame_begin(b, type, port, &start) < 0)
		return -ENOMEM;
	msgpack_packer_init(&pk, b, ipc_buf_write);
	rc |= msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++) {
		const struct ipc_str *s = f[i].p;

		switch (f[i].kind) {
		case F_U32:
			rc |= msgpack_pack_uint32(&pk, *(uint32_t *)f[i].p);
			break;
		case F_U64:
			rc |= msgpack_pack_uint64(&pk, *(uint64_t *)f[i].p);
			break;
		case F_I32:
			rc |= msgpack_pack_int32(&pk, *(int32_t *)f[i].p);
			break;
		case F_STR:
			rc |= msgpack_pack_str_with_body(&pk, s->ptr, s->len);
			break;
		case F_BIN:
			rc |= msgpack_pack_bin_with_body(&pk, s->ptr, s->len);
			break;
		}
	}
	if (rc != 0) {
		b->len = b->off + start;
		return -ENOMEM;
	}
	return ipc_frame_end(b, start);
}

/* Store one decoded object into a field. 0 or -EBADMSG. */
static int
decode_field(const msgpack_object *o, const struct field *f)
{
	struct ipc_str	*s = f->p;

	switch (f->kind) {
	case F_U32:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    o->via.u64 > UINT32_MAX)
			return -EBADMSG;
		*(uint32_t *)f->p = (uint32_t)o->via.u64;
		return 0;
	case F_U64:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return -EBADMSG;
		*(uint64_t *)f->p = o->via.u64;
		return 0;
	case F_I32:
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->via.u64 <= INT32_MAX)
			*(int32_t *)f->p = (int32_t)o->via.u64;
		else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
		    o->via.i64 >= INT32_MIN)
			*(int32_t *)f->p = (int32_t)o->via.i64;
		else
			return -EBADMSG;
		return 0;
	case F_STR:
		if (o->type != MSGPACK_OBJECT_STR)
			return -EBADMSG;
		s->ptr = o->via.str.ptr;
		s->len = o->via.str.size;
		return 0;
	case F_BIN:
		if (o->type != MSGPACK_OBJECT_BIN)
			return -EBADMSG;
		s->ptr = o->via.bin.ptr;
		s->len = o->via.bin.size;
		return 0;
	}
	return -EBADMSG;
}

/*
 * The count of the msgpack array that p (len bytes) starts with, or -1;
 * *head (if not NULL) is the length of its header.
 */
static int64_t
array_head(const uint8_t *p, size_t len, size_t *head)
{
	size_t	h;
	int64_t	n;

	if (len >= 1 && (p[0] & 0xf0) == 0x90) {
		h = 1;
		n = p[0] & 0x0f;
	} else if (len >= 3 && p[0] == 0xdc) {
		h = 3;
		n = (int64_t)p[1] << 8 | p[2];
	} else if (len >= 5 && p[0] == 0xdd) {
		h = 5;
		n = ipc_get32(p + 1);
	} else
		return -1;
	if (head != NULL)
		*head = h;
	return n;
}

/*
 * Validate, unpack and check a body against a field table: exactly one
 * array of exactly n elements of the right types. The count is checked
 * first: msgpack-c makes an object of every element, so a 16 MiB body
 * of nils would take some 400 MB before it was refused. The caller must
 * call msgpack_unpacked_destroy(u) whatever the result. 0 or -EBADMSG.
 */
static int
unpack(const uint8_t *p, size_t len, msgpack_unpacked *u, uint32_t n,
    const char **why)
{
	size_t	off = 0;
	int	rc;

	msgpack_unpacked_init(u);
	if ((rc = ipc_check(p, len, IPC_DEPTH_MAX, why)) < 0)
		return rc;
	if (array_head(p, len, NULL) != n) {
		*why = "body must be an array of the type's fields";
		return -EBADMSG;
	}
	if (msgpack_unpack_next(u, (const char *)p, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len) {
		*why = "body is not one msgpack object";
		return -EBADMSG;
	}
	return 0;
}

static int
decode(const uint8_t *p, size_t len, const struct field *f, size_t n,
    const char **why)
{
	msgpack_unpacked	u;
	size_t			i;
	int			rc;

	if ((rc = unpack(p, len, &u, n, why)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (decode_field(&u.data.via.array.ptr[i], &f[i]) < 0) {
			*why = f[i].err;
			rc = -EBADMSG;
			goto out;
		}
	}
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

/*
 * Each body once, as a field table; the pair of functions below each
 * table is the message's encode/decode.
 */
#define FIELDS_HELLO(m) {						\
	U32("version", &(m)->version), STR("role", &(m)->role),		\
	STR("software", &(m)->software),				\
	U64("port_base", &(m)->port_base),				\
	U64("port_count", &(m)->port_count),				\
	U32("frame_max", &(m)->frame_max) }
#define FIELDS_ERROR(m) {						\
	STR("code", &(m)->code), STR("message", &(m)->message) }
#define FIELDS_CREATE(m) {						\
	STR("kind", &(m)->kind), STR("url", &(m)->url),			\
	STR("name", &(m)->name), STR("origin", &(m)->origin),		\
	STR("root", &(m)->root), STR("source", &(m)->source),		\
	STR("type", &(m)->type) }
#define FIELDS_STARTED(m) {						\
	U64("worker_id", &(m)->worker_id), U32("pid", &(m)->pid) }
#define FIELDS_EXIT(m) {						\
	I32("code", &(m)->code), I32("signal", &(m)->signal),		\
	STR("reason", &(m)->reason), STR("message", &(m)->message) }
#define FIELDS_INIT(m) {						\
	U64("worker_id", &(m)->worker_id), STR("kind", &(m)->kind),	\
	STR("url", &(m)->url), STR("name", &(m)->name),			\
	STR("origin", &(m)->origin), STR("root", &(m)->root),		\
	STR("source", &(m)->source),					\
	U64("port_base", &(m)->port_base),				\
	U64("port_count", &(m)->port_count),				\
	U32("log_level", &(m)->log_level),				\
	U64("memory_max", &(m)->memory_max) }
#define FIELDS_CONTROL(m) {						\
	STR("command", &(m)->command), U64("id", &(m)->id) }
#define FIELDS_REPLY(m) {						\
	STR("status", &(m)->status), STR("message", &(m)->message),	\
	BIN("data", &(m)->data) }
#define FIELDS_CLOSING(m) {						\
	STR("reason", &(m)->reason), STR("message", &(m)->message) }
#define FIELDS_CHANNEL(m) {						\
	U64("a", &(m)->a), U64("b", &(m)->b) }
#define FIELDS_FAULT(m) {						\
	STR("message", &(m)->message), STR("filename", &(m)->filename),	\
	U32("lineno", &(m)->lineno), U32("colno", &(m)->colno) }
#define FIELDS_CONSOLE(m) {						\
	STR("level", &(m)->level), STR("text", &(m)->text),		\
	BIN("args", &(m)->args) }

/* Encoders take const messages; the field table only reads through p. */
#define CODEC(lname, TYPE, FIELDS)					\
int									\
ipc_##lname##_decode(const uint8_t *p, size_t len,			\
    struct ipc_##lname *m, const char **why)				\
{									\
	const struct field f[] = FIELDS(m);				\
									\
	return decode(p, len, f, NFIELDS(f), why);			\
}
#define ENCODER_PORT(lname, TYPE, FIELDS)				\
int									\
ipc_##lname##_encode(struct ipc_buf *b, uint64_t port,		\
    const struct ipc_##lname *cm)					\
{									\
	struct ipc_##lname *m = (struct ipc_##lname *)cm;		\
	const struct field f[] = FIELDS(m);				\
									\
	return encode(b, IPC_##TYPE, port, f, NFIELDS(f));		\
}
#define ENCODER(lname, TYPE, FIELDS)					\
int									\
ipc_##lname##_encode(struct ipc_buf *b, const struct ipc_##lname *cm)	\
{									\
	struct ipc_##lname *m = (struct ipc_##lname *)cm;		\
	const struct field f[] = FIELDS(m);				\
									\
	return encode(b, IPC_##TYPE, 0, f, NFIELDS(f));			\
}

CODEC(hello, HELLO, FIELDS_HELLO)
ENCODER(hello, HELLO, FIELDS_HELLO)
CODEC(error, ERROR, FIELDS_ERROR)
ENCODER(error, ERROR, FIELDS_ERROR)
CODEC(create, CREATE, FIELDS_CREATE)
ENCODER_PORT(create, CREATE, FIELDS_CREATE)
CODEC(started, STARTED, FIELDS_STARTED)
ENCODER_PORT(started, STARTED, FIELDS_STARTED)
CODEC(exit, EXIT, FIELDS_EXIT)
ENCODER_PORT(exit, EXIT, FIELDS_EXIT)
CODEC(init, INIT, FIELDS_INIT)
ENCODER_PORT(init, INIT, FIELDS_INIT)
CODEC(control, CONTROL, FIELDS_CONTROL)
ENCODER(control, CONTROL, FIELDS_CONTROL)
CODEC(reply, REPLY, FIELDS_REPLY)
ENCODER(reply, REPLY, FIELDS_REPLY)
CODEC(closing, CLOSING, FIELDS_CLOSING)
ENCODER(closing, CLOSING, FIELDS_CLOSING)
CODEC(channel, CHANNEL, FIELDS_CHANNEL)
ENCODER(channel, CHANNEL, FIELDS_CHANNEL)
CODEC(fault, FAULT, FIELDS_FAULT)
ENCODER_PORT(fault, FAULT, FIELDS_FAULT)
CODEC(console, CONSOLE, FIELDS_CONSOLE)
ENCODER_PORT(console, CONSOLE, FIELDS_CONSOLE)

/*
 * The version a HELLO body names, read before it is decoded: another
 * version's HELLO may have other fields, and must still be told apart
 * from a bad one. 0, or -EBADMSG if the body does not start with an
 * array and an unsigned integer.
 */
int
ipc_hello_version(const uint8_t *p, size_t len, uint32_t *version)
{
	size_t		i;
	unsigned	n;
	uint64_t	v = 0;

	if (array_head(p, len, &i) < 1 || i >= len)
		return -EBADMSG;
	if (p[i] < 0x80) {
		*version = p[i];
		return 0;
	}
	if (p[i] < 0xcc || p[i] > 0xcf)
		return -EBADMSG;
	n = 1u << (p[i] - 0xcc);	/* 1, 2, 4 or 8 bytes */
	if (len - i - 1 < n)
		return -EBADMSG;
	while (n-- > 0)
		v = v << 8 | p[++i];
	*version = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

/*
 * Whether a decoded HELLO speaks our version in the expected role.
 * 0, or -EPROTONOSUPPORT (version) / -EPROTO (role) with *why.
 */
int
ipc_hello_check(const struct ipc_hello *h, const char *role,
    const char **why)
{
	if (h->version != IPC_VERSION) {
		*why = "unsupported protocol version";
		return -EPROTONOSUPPORT;
	}
	if (!ipc_str_eq(h->role, role)) {
		*why = "unexpected role in HELLO";
		return -EPROTO;
	}
	return 0;
}

/* Append a frame with an empty body array (TERMINATE, CLOSE). */
int
ipc_empty_encode(struct ipc_buf *b, uint16_t type, uint64_t port)
{
	return encode(b, type, port, NULL, 0);
}

/* Check that a body is the empty array. 0 or -EBADMSG. */
int
ipc_empty_decode(const uint8_t *p, size_t len, const char **why)
{
	return decode(p, len, NULL, 0, why);
}

/*
 * POST: [transfer: array of u64, data: bin]. The data is always a bin32
 * so that ipc_post_begin can leave its length to be patched: the worker
 * packs a payload straight into the frame, no copy. *m remembers where,
 * for ipc_post_end. 0 or -ENOMEM / -E2BIG.
 */
int
ipc_post_begin(struct ipc_buf *b, uint64_t port, const uint64_t *transfer,
    uint32_t ntransfer, struct ipc_mark *m)
{
	msgpack_packer	pk;
	uint32_t	i;
	int		rc = 0;

	if (ntransfer > IPC_TRANSFER_MAX)
		return -E2BIG;
	if (ipc_frame_begin(b, IPC_POST, port, &m->frame) < 0)
		return -ENOMEM;
	msgpack_packer_init(&pk, b, ipc_buf_write);
	rc |= msgpack_pack_array(&pk, 2);
	rc |= msgpack_pack_array(&pk, ntransfer);
	for (i = 0; i < ntransfer; i++)
		rc |= msgpack_pack_uint64(&pk, transfer[i]);
	m->bin = ipc_buf_used(b);
	rc |= ipc_buf_write(b, "\xc6\0\0\0\0", 5);
	if (rc != 0) {
		b->len = b->off + m->frame;
		return -ENOMEM;
	}
	return 0;
}

/* Finish a POST begun with ipc_post_begin: patch the bin and frame length. */
int
ipc_post_end(struct ipc_buf *b, const struct ipc_mark *m)
{
	size_t	binlen = ipc_buf_used(b) - m->bin - 5;

	if (binlen > IPC_FRAME_MAX) {
		b->len = b->off + m->frame;
		return -EMSGSIZE;
	}
	ipc_put32(ipc_buf_head(b) + m->bin + 1, (uint32_t)binlen);
	return ipc_frame_end(b, m->frame);
}

/*
 * Append the ids of the ports a POST body carries to ids (uint64_t in
 * host order): a work list of ports to close, the message reaching no
 * one. 0, or -ENOMEM.
 */
int
ipc_post_ports(struct ipc_buf *ids, const uint8_t *body, size_t len)
{
	struct ipc_post	 p;
	const char	*why;

	if (ipc_post_decode(body, len, &p, &why) < 0 || p.ntransfer == 0)
		return 0;
	return ipc_buf_append(ids, p.transfer,
	    p.ntransfer * sizeof p.transfer[0]);
}

/* Take the first id off such a list: 1, or 0 once it is empty. */
int
ipc_ports_next(struct ipc_buf *ids, uint64_t *id)
{
	if (ipc_buf_used(ids) < sizeof *id)
		return 0;
	memcpy(id, ipc_buf_head(ids), sizeof *id);
	ipc_buf_consume(ids, sizeof *id);
	return 1;
}

/* The same for every POST frame queued in q, which this empties. */
int
ipc_queue_ports(struct ipc_buf *ids, struct ipc_buf *q)
{
	const uint8_t	*p;
	int		 rc = 0;

	while (ipc_buf_used(q) > 0) {
		p = ipc_buf_head(q);
		if (rc == 0)
			rc = ipc_post_ports(ids, p + IPC_HEADER_SIZE,
			    ipc_get32(p));
		ipc_buf_consume(q, IPC_HEADER_SIZE + (size_t)ipc_get32(p));
	}
	return rc;
}

/* Append a whole POST frame carrying p->data. */
int
ipc_post_encode(struct ipc_buf *b, uint64_t port, const struct ipc_post *p)
{
	struct ipc_mark	m;
	int		rc;

	if ((rc = ipc_post_begin(b, port, p->transfer, p->ntransfer, &m)) < 0)
		return rc;
	if (ipc_buf_append(b, p->data.ptr, p->data.len) < 0) {
		b->len = b->off + m.frame;
		return -ENOMEM;
	}
	return ipc_post_end(b, &m);
}

/*
 * The common shapes of a POST body read directly, without msgpack-c's
 * zone: [fixarray of unsigned ids, bin]. 1 if that is what the bytes
 * are, all of them (then *m is filled as the full decode would fill
 * it); 0 to leave the body to the full decode, errors included.
 */
static int
post_fast(const uint8_t *p, size_t len, struct ipc_post *m)
{
	const uint8_t	*end = p + len;
	uint32_t	 i, n;
	uint64_t	 size;
	unsigned	 w;

	if (len < 3 || p[0] != 0x92 || (p[1] & 0xf0) != 0x90)
		return 0;
	n = p[1] & 0x0f;
	p += 2;
	for (i = 0; i < n; i++) {
		if (p >= end)
			return 0;
		if (*p < 0x80)
			w = 0;
		else if (*p >= 0xcc && *p <= 0xcf)
			w = 1u << (*p - 0xcc);
		else
			return 0;
		if ((size_t)(end - p) < 1 + (size_t)w)
			return 0;
		m->transfer[i] = w == 0 ? *p : ipc_get_be(p + 1, w);
		p += 1 + w;
	}
	if (p >= end || *p < 0xc4 || *p > 0xc6)
		return 0;
	w = 1u << (*p - 0xc4);
	if ((size_t)(end - p) < 1 + (size_t)w)
		return 0;
	size = ipc_get_be(p + 1, w);
	p += 1 + w;
	if (size != (uint64_t)(end - p))
		return 0;
	m->ntransfer = n;
	m->data.ptr = (const char *)p;
	m->data.len = (uint32_t)size;
	return 1;
}

/* Decode a POST body; the data slice points into it. 0 or -EBADMSG. */
int
ipc_post_decode(const uint8_t *p, size_t len, struct ipc_post *m,
    const char **why)
{
	msgpack_unpacked	 u;
	const msgpack_object	*t, *d;
	uint32_t		 i;
	int			 rc;

	if (post_fast(p, len, m))
		return 0;
	/* The transfer list's count, too, before anything is unpacked. */
	if (len > 1 && array_head(p + 1, len - 1, NULL) > IPC_TRANSFER_MAX) {
		msgpack_unpacked_init(&u);
		*why = "transfer list is too long";
		rc = -EBADMSG;
		goto out;
	}
	if ((rc = unpack(p, len, &u, 2, why)) < 0)
		goto out;
	t = &u.data.via.array.ptr[0];
	d = &u.data.via.array.ptr[1];
	rc = -EBADMSG;
	if (t->type != MSGPACK_OBJECT_ARRAY) {
		*why = "transfer must be an array";
		goto out;
	}
	if (t->via.array.size > IPC_TRANSFER_MAX) {
		*why = "transfer list is too long";
		goto out;
	}
	for (i = 0; i < t->via.array.size; i++) {
		if (t->via.array.ptr[i].type !=
		    MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*why = "transfer must hold port ids";
			goto out;
		}
		m->transfer[i] = t->via.array.ptr[i].via.u64;
	}
	m->ntransfer = t->via.array.size;
	if (d->type != MSGPACK_OBJECT_BIN) {
		*why = "data must be binary";
		goto out;
	}
	m->data.ptr = d->via.bin.ptr;
	m->data.len = d->via.bin.size;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}
