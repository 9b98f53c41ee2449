/*
 * json.c: JSON text <-> the message encoding (msgpack, see the payload
 * rules in docs/protocol.md), for libwwd users and wwctl. A small strict
 * RFC 8259 parser that packs straight into a buffer, and a printer that
 * walks validated msgpack bytes and writes JSON the way JSON.stringify
 * would (numbers in ECMAScript's shortest form). What JSON cannot say
 * uses the tagged form of "The JSON form" both ways, so a payload makes
 * the trip msgpack -> JSON -> msgpack unchanged. No dependency, no state.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"

#define JSON_NUM_MAX	512	/* longest number text we convert */
#define JSON_RESERVE	6	/* bytes kept for a header patched later */

/* The parser's state: input, position, output, the first error. */
struct json_parser {
	const char	*s;
	size_t		 n;
	size_t		 i;
	struct ipc_buf	*b;
	const char	*why;
	unsigned	 depth;		/* msgpack nesting here */
	unsigned	 maxdepth;
	uint32_t	 objects;	/* objects begun, for back-references */
};

/*
 * The records of the tagged form (docs/protocol.md), shared by the
 * parser and the printer. kinds has one letter per fixed field: b
 * boolean, n number, s string, u non-negative integer, B ArrayBuffer
 * or ref, k index or name. A record may end in a list (items after the
 * fixed fields); opt: the last fixed field or the list may be absent.
 */
struct json_rec {
	const char	*tag;
	const char	*kinds;
	const char	*names[4];
	const char	*list;
	char		 each;		/* kind of a list key, or 0: any */
	uint8_t		 marker;
	uint8_t		 opt;
};

static const struct json_rec json_recs[] = {
	{ "Boolean", "b", { "value" }, NULL, 0, 16, 0 },
	{ "Number", "n", { "value" }, NULL, 0, 17, 0 },
	{ "String", "s", { "value" }, NULL, 0, 18, 0 },
	{ "RegExp", "ss", { "source", "flags" }, NULL, 0, 19, 0 },
	{ "array", "u", { "length" }, "items", 'k', 20, 1 },
	{ "Error", "ss", { "name", "message" }, NULL, 0, 21, 1 },
	{ "Map", "", { NULL }, "entries", '*', 22, 0 },
	{ "Set", "", { NULL }, "values", 0, 23, 0 },
	{ "view", "uBuu", { "kind", "buffer", "byteOffset", "length" }, NULL,
	    0, 24, 0 },
};
#define JSON_NRECS	(sizeof json_recs / sizeof json_recs[0])

/* Every tag: those that are not records, then json_recs's. */
static const char *const json_tags[] = { "undefined", "number", "ref",
    "Date", "ArrayBuffer", "object", "Boolean", "Number", "String",
    "RegExp", "array", "Error", "Map", "Set", "view" };
enum { TAG_UNDEFINED, TAG_NUMBER, TAG_REF, TAG_DATE, TAG_BUFFER, TAG_OBJECT,
    TAG_NLEAVES };
#define JSON_NTAGS	(sizeof json_tags / sizeof json_tags[0])

static const char *const json_specials[] = { "NaN", "Infinity",
    "-Infinity", "-0" };

/* Messages naming a tag or field live here until the next call. */
static _Thread_local char	json_msg[160];

static int	json_value(struct json_parser *);
static int	json_container(struct json_parser *);

static int
json_err(struct json_parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	return -EINVAL;
}

/* An error about tag: "the $wwd <tag> tag <what> "<field>"<post>". */
static int
json_tag_err(struct json_parser *p, const char *tag, const char *what,
    const char *field, const char *post)
{
	if (p->why != NULL)
		return -EINVAL;
	snprintf(json_msg, sizeof json_msg, "the $wwd \"%s\" tag %s%s%s%s%s",
	    tag, what, field != NULL ? " \"" : "", field != NULL ? field : "",
	    field != NULL ? "\"" : "", post);
	p->why = json_msg;
	return -EINVAL;
}

static int
json_put(struct json_parser *p, const void *v, size_t n)
{
	if (ipc_buf_append(p->b, v, n) < 0) {
		p->why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

static void
json_ws(struct json_parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

/* Skip white space, then c or fail with why. */
static int
json_expect(struct json_parser *p, char c, const char *why)
{
	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != c)
		return json_err(p, why);
	p->i++;
	return 0;
}

/* Write a big-endian integer of size bytes after a type byte (if any). */
static int
json_put_be(struct json_parser *p, int type, uint64_t v, unsigned size)
{
	uint8_t		t[9];
	unsigned	k, n = 0;

	if (type >= 0)
		t[n++] = (uint8_t)type;
	for (k = 0; k < size; k++)
		t[n++] = (uint8_t)(v >> (8 * (size - 1 - k)));
	return json_put(p, t, n);
}

/*
 * The shortest msgpack header of kind ('s' str, 'b' bin, 'm' map, 'a'
 * array, 'e' ext of type ext) for count, as msgpack-c writes it: into
 * h (at least JSON_RESERVE bytes); its size.
 */
static size_t
json_head(uint8_t *h, char kind, uint32_t count, uint8_t ext)
{
	static const uint8_t	fixext[17] = { [1] = 0xd4, [2] = 0xd5,
	    [4] = 0xd6, [8] = 0xd7, [16] = 0xd8 };
	const char		*k = strchr("sbmae", kind);
	/* Per kind: fix type, fix limit, 8-, 16- and 32-bit types. */
	static const uint8_t	t[5][4] = { { 0xa0, 0xd9, 0xda, 0xdb },
	    { 0, 0xc4, 0xc5, 0xc6 }, { 0x80, 0, 0xde, 0xdf },
	    { 0x90, 0, 0xdc, 0xdd }, { 0, 0xc7, 0xc8, 0xc9 } };
	static const uint32_t	fixmax[5] = { 31, 0, 15, 15, 0 };
	const uint8_t		*r = t[k - "sbmae"];
	size_t			 n;

	if (kind == 'e' && count <= 16 && fixext[count] != 0) {
		h[0] = fixext[count];
		h[1] = ext;
		return 2;
	}
	if (r[0] != 0 && count <= fixmax[k - "sbmae"]) {
		h[0] = (uint8_t)(r[0] | count);
		n = 1;
	} else if (r[1] != 0 && count <= 0xff) {
		h[0] = r[1];
		h[1] = (uint8_t)count;
		n = 2;
	} else if (count <= 0xffff) {
		h[0] = r[2];
		h[1] = (uint8_t)(count >> 8);
		h[2] = (uint8_t)count;
		n = 3;
	} else {
		h[0] = r[3];
		ipc_put32(h + 1, count);
		n = 5;
	}
	if (kind == 'e')
		h[n++] = ext;
	return n;
}

/* Append a header; see json_head. */
static int
json_put_head(struct json_parser *p, char kind, uint32_t count, uint8_t ext)
{
	uint8_t	h[JSON_RESERVE];

	return json_put(p, h, json_head(h, kind, count, ext));
}

/* Reserve JSON_RESERVE bytes for a header; its offset from the head. */
static int
json_reserve(struct json_parser *p, size_t *start)
{
	*start = ipc_buf_used(p->b);
	return json_put(p, "\0\0\0\0\0\0", JSON_RESERVE);
}

/* Write the header reserved at start and move the body down to it. */
static void
json_patch(struct ipc_buf *b, size_t start, char kind, uint32_t count,
    uint8_t ext)
{
	uint8_t	*h = ipc_buf_head(b) + start, t[JSON_RESERVE];
	size_t	 body = ipc_buf_used(b) - start - JSON_RESERVE, hs;

	hs = json_head(t, kind, count, ext);
	memmove(h + hs, h + JSON_RESERVE, body);
	memcpy(h, t, hs);
	b->len -= JSON_RESERVE - hs;
}

/* Drop what was packed after mark (an offset from the head). */
static void
json_cut(struct json_parser *p, size_t mark)
{
	p->b->len = p->b->off + mark;
}

/* The payload rule: integral, in [-2^63, 2^63), not -0 -> int. */
static int
json_put_number(struct json_parser *p, double d)
{
	uint64_t	bits;
	int64_t		v;

	if (d == floor(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0 && !(d == 0 && signbit(d))) {
		v = (int64_t)d;
		if (v >= 0) {
			uint64_t	u = (uint64_t)v;
			uint8_t		c = (uint8_t)u;

			if (u <= 0x7f)
				return json_put(p, &c, 1);
			if (u <= 0xff)
				return json_put_be(p, 0xcc, u, 1);
			if (u <= 0xffff)
				return json_put_be(p, 0xcd, u, 2);
			if (u <= 0xffffffffu)
				return json_put_be(p, 0xce, u, 4);
			return json_put_be(p, 0xcf, u, 8);
		}
		if (v >= -32) {
			uint8_t	c = (uint8_t)(int8_t)v;

			return json_put(p, &c, 1);
		}
		if (v >= -128)
			return json_put_be(p, 0xd0, (uint64_t)v, 1);
		if (v >= -32768)
			return json_put_be(p, 0xd1, (uint64_t)v, 2);
		if (v >= INT32_MIN)
			return json_put_be(p, 0xd2, (uint64_t)v, 4);
		return json_put_be(p, 0xd3, (uint64_t)v, 8);
	}
	if (isnan(d))
		d = NAN;	/* one NaN, as the worker's encoder writes */
	memcpy(&bits, &d, sizeof bits);
	return json_put_be(p, 0xcb, bits, 8);
}

static int
json_digit(const struct json_parser *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/*
 * number = [ "-" ] int [ frac ] [ exp ]. Converted with strtod after
 * swapping in the locale's decimal point, as JavaScript does: the value
 * is a double, into *d.
 */
static int
json_number_text(struct json_parser *p, double *d)
{
	const char	*dp = localeconv()->decimal_point;
	char		 tmp[JSON_NUM_MAX + 8];
	size_t		 start = p->i, k, o = 0, dpl = strlen(dp);

	if (p->s[p->i] == '-')
		p->i++;
	if (!json_digit(p))
		return json_err(p, "invalid number");
	if (p->s[p->i] == '0')
		p->i++;
	else
		while (json_digit(p))
			p->i++;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!json_digit(p))
			return json_err(p, "invalid number: digits must "
			    "follow the decimal point");
		while (json_digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!json_digit(p))
			return json_err(p, "invalid number: bad exponent");
		while (json_digit(p))
			p->i++;
	}
	if (p->i - start > JSON_NUM_MAX)
		return json_err(p, "number is too long");
	for (k = start; k < p->i; k++) {
		if (p->s[k] == '.') {
			memcpy(tmp + o, dp, dpl);
			o += dpl;
		} else
			tmp[o++] = p->s[k];
	}
	tmp[o] = '\0';
	*d = strtod(tmp, NULL);
	return 0;
}

/* A JSON number, packed by the payload rule. */
static int
json_number(struct json_parser *p)
{
	double	d;
	int	rc;

	if ((rc = json_number_text(p, &d)) < 0)
		return rc;
	return json_put_number(p, d);
}

static int
json_hex4(struct json_parser *p, unsigned *v)
{
	unsigned	k, c;

	if (p->n - p->i < 4)
		return json_err(p, "truncated \\u escape");
	*v = 0;
	for (k = 0; k < 4; k++) {
		c = (unsigned char)p->s[p->i++];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return json_err(p, "invalid \\u escape");
		*v = *v << 4 | c;
	}
	return 0;
}

/*
 * After a high surrogate: pair it with a following \\u low surrogate,
 * else it stays lone (and the next escape is left alone).
 */
static int
json_low(struct json_parser *p, unsigned *cp)
{
	size_t		save = p->i;
	unsigned	lo;
	int		rc;

	if (p->n - p->i >= 6 && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
		p->i += 2;
		if ((rc = json_hex4(p, &lo)) < 0)
			return rc;
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
			return 0;
		}
		p->i = save;
	}
	return 0;
}

/*
 * Append code point cp as UTF-8 (a surrogate as its 3-byte WTF-8
 * form).
 */
static int
json_put_utf8(struct ipc_buf *b, unsigned cp)
{
	uint8_t	u[4];
	size_t	n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ipc_buf_append(b, u, n);
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n) (1-4), or 0 if it
 * is not one (overlong forms, surrogates, above U+10FFFF, truncated).
 * *cp receives the code point.
 */
static size_t
json_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned	c = s[0], min, k, len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		*cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		*cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[k] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * string = quotation-mark *char quotation-mark; p->i is at the '"'. A
 * string with a lone surrogate (only \u escapes can write one) is ext 2
 * (WTF-8), any other str.
 */
static int
json_string(struct json_parser *p)
{
	size_t		start, len;
	unsigned	cp;
	int		rc, lone = 0;

	if ((rc = json_reserve(p, &start)) < 0)
		return rc;
	p->i++;
	for (;;) {
		const unsigned char	*s;
		size_t			 k;

		if (p->i >= p->n)
			return json_err(p, "unterminated string");
		s = (const unsigned char *)p->s + p->i;
		if (*s == '"') {
			p->i++;
			break;
		}
		if (*s < 0x20)
			return json_err(p, "control character in string");
		if (*s == '\\') {
			if (p->i + 1 >= p->n)
				return json_err(p, "unterminated string");
			p->i += 2;
			switch (s[1]) {
			case '"': case '\\': case '/':
				cp = s[1];
				break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if ((rc = json_hex4(p, &cp)) < 0)
					return rc;
				if (cp >= 0xd800 && cp <= 0xdbff &&
				    (rc = json_low(p, &cp)) < 0)
					return rc;
				lone |= cp >= 0xd800 && cp <= 0xdfff;
				break;
			default:
				p->i--;
				return json_err(p, "invalid escape in string");
			}
			if (json_put_utf8(p->b, cp) < 0)
				return json_err(p, "out of memory");
			continue;
		}
		/* A run of plain bytes, validated as UTF-8. */
		for (k = 0; p->i + k < p->n && s[k] >= 0x20 && s[k] != '"' &&
		    s[k] != '\\';) {
			size_t	l;

			l = json_utf8(s + k, p->n - p->i - k, &cp);

			if (l == 0) {
				p->i += k;
				return json_err(p, "invalid UTF-8 in string");
			}
			k += l;
		}
		if ((rc = json_put(p, s, k)) < 0)
			return rc;
		p->i += k;
	}
	len = ipc_buf_used(p->b) - start - JSON_RESERVE;
	if (len > UINT32_MAX)
		return json_err(p, "string is too long");
	json_patch(p->b, start, lone ? 'e' : 's', (uint32_t)len, 2);
	return 0;
}

/*
 * A string at p->i that must be one of words[0..n): *which (-1: none).
 * Nothing is packed.
 */
static int
json_word(struct json_parser *p, const char *const *words, size_t n,
    int *which)
{
	size_t		mark = ipc_buf_used(p->b), k, len;
	const uint8_t	*h;
	int		rc;

	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != '"')
		return json_err(p, "expected a string");
	if ((rc = json_string(p)) < 0)
		return rc;
	h = ipc_buf_head(p->b) + mark;
	*which = -1;
	for (k = 0; k < n; k++) {
		len = strlen(words[k]);
		if (h[0] == (0xa0 | len) && ipc_buf_used(p->b) - mark ==
		    len + 1 && memcmp(h + 1, words[k], len) == 0)
			*which = (int)k;
	}
	json_cut(p, mark);
	return 0;
}

/* Whether a map key or ext 2 string starts at p: its bytes, length. */
static int
json_mp_string(const uint8_t *p, const uint8_t **s, uint32_t *len)
{
	uint8_t	c = p[0];

	if (c >= 0xa0 && c <= 0xbf) {
		*len = c & 0x1f;
		*s = p + 1;
	} else if (c == 0xd9) {
		*len = p[1];
		*s = p + 2;
	} else if (c == 0xda) {
		*len = (uint32_t)p[1] << 8 | p[2];
		*s = p + 3;
	} else if (c == 0xdb) {
		*len = ipc_get32(p + 1);
		*s = p + 5;
	} else if (c >= 0xd4 && c <= 0xd8 && p[1] == 2) {
		*len = 1u << (c - 0xd4);
		*s = p + 2;
	} else if (c == 0xc7 && p[2] == 2) {
		*len = p[1];
		*s = p + 3;
	} else if (c == 0xc8 && p[3] == 2) {
		*len = (uint32_t)p[1] << 8 | p[2];
		*s = p + 4;
	} else if (c == 0xc9 && p[5] == 2) {
		*len = ipc_get32(p + 1);
		*s = p + 6;
	} else
		return 0;
	return 1;
}

/*
 * Whether the msgpack value at p is of kind k (see struct json_rec; a
 * list key 'k' is an index or a name, '*' anything).
 */
static int
json_mp_kind(const uint8_t *p, char k)
{
	const uint8_t	*s;
	uint32_t	 len;
	uint8_t		 c = p[0];
	/* Up to 2^63 - 1: JSON reads larger integers back as doubles. */
	int		 uint = c <= 0x7f || (c >= 0xcc && c <= 0xce) ||
			    (c == 0xcf && p[1] < 0x80);
	int		 str = json_mp_string(p, &s, &len);

	switch (k) {
	case 'b':
		return c == 0xc2 || c == 0xc3;
	case 'n':
		return uint || c >= 0xe0 || (c >= 0xd0 && c <= 0xd3) ||
		    c == 0xca || c == 0xcb;
	case 's':
		return str;
	case 'u':
		return uint;
	case 'k':
		return uint || str;
	case 'B':
		return (c >= 0xc4 && c <= 0xc6) || (c == 0xd6 && p[1] == 1);
	default:
		return 1;
	}
}

/* Skip white space; then ',' then the string key name, then ':'. */
static int
json_field(struct json_parser *p, const char *tag, const char *name)
{
	int	which, rc;

	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != ',')
		return json_tag_err(p, tag, "needs the field", name,
		    " next (fields go in the documented order)");
	p->i++;
	if ((rc = json_word(p, &name, 1, &which)) < 0)
		return rc;
	if (which < 0)
		return json_tag_err(p, tag, "needs the field", name,
		    " here (fields go in the documented order)");
	return json_expect(p, ':', "expected ':'");
}

/* Whether the tag's object ends here (an optional field is absent). */
static int
json_at_end(struct json_parser *p)
{
	json_ws(p);
	return p->i < p->n && p->s[p->i] == '}';
}

/* A value that must be of kind k (struct json_rec), packed. */
static int
json_typed(struct json_parser *p, const char *tag, const char *name, char k)
{
	static const char *const what[] = { "b a boolean", "n a number",
	    "s a string", "u a non-negative integer", "k an index or a name",
	    "B an ArrayBuffer or a ref", "* a value" };
	size_t	mark = ipc_buf_used(p->b), w;
	int	rc;

	if ((rc = json_value(p)) < 0)
		return rc;
	if (json_mp_kind(ipc_buf_head(p->b) + mark, k))
		return 0;
	for (w = 0; what[w][0] != k; w++)
		;
	json_tag_err(p, tag, "needs", name, " to be ");
	strncat(json_msg, what[w] + 2, sizeof json_msg - strlen(json_msg) - 1);
	return -EINVAL;
}

/* A JSON number or a tagged number, as a double (nothing packed). */
static int
json_double(struct json_parser *p, const char *tag, double *d)
{
	size_t		mark = ipc_buf_used(p->b);
	const uint8_t	*h;
	uint64_t	 v = 0;
	int		 rc, k;

	json_ws(p);
	if (p->i < p->n && (p->s[p->i] == '-' || json_digit(p)))
		return json_number_text(p, d);
	if (p->i < p->n && p->s[p->i] != '{')
		return json_tag_err(p, tag, "needs a number", NULL, "");
	if ((rc = json_value(p)) < 0)
		return rc;
	h = ipc_buf_head(p->b) + mark;
	if (h[0] != 0xcb)
		return json_tag_err(p, tag, "needs a number", NULL, "");
	for (k = 1; k <= 8; k++)
		v = v << 8 | h[k];
	memcpy(d, &v, sizeof *d);
	json_cut(p, mark);
	return 0;
}

/* The base64 text of an ArrayBuffer tag, packed as bin. */
static int
json_base64(struct json_parser *p)
{
	const char	*s, *q;
	uint8_t		 out[3];
	size_t		 n, k, pad = 0, len;
	uint32_t	 v;
	int		 rc, c, j;

	if ((rc = json_expect(p, '"', "base64 must be a string")) < 0)
		return rc;
	s = p->s + p->i;
	q = memchr(s, '"', p->n - p->i);
	if (q == NULL)
		return json_err(p, "unterminated string");
	n = (size_t)(q - s);
	if (n % 4 != 0)
		return json_err(p, "base64 length is not a multiple of 4");
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	len = n / 4 * 3 - pad;
	if (len > UINT32_MAX)
		return json_err(p, "ArrayBuffer is too long");
	if ((rc = json_put_head(p, 'b', (uint32_t)len, 0)) < 0)
		return rc;
	for (k = 0; k < n; k += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			c = s[k + (size_t)j];
			if (c >= 'A' && c <= 'Z')
				c -= 'A';
			else if (c >= 'a' && c <= 'z')
				c -= 'a' - 26;
			else if (c >= '0' && c <= '9')
				c -= '0' - 52;
			else if (c == '+')
				c = 62;
			else if (c == '/')
				c = 63;
			else if (c == '=' && k + (size_t)j >= n - pad)
				c = 0;
			else {
				p->i += k + (size_t)j;
				return json_err(p, "invalid base64");
			}
			v = v << 6 | (uint32_t)c;
		}
		out[0] = (uint8_t)(v >> 16);
		out[1] = (uint8_t)(v >> 8);
		out[2] = (uint8_t)v;
		if ((rc = json_put(p, out, k + 4 < n ? 3 : 3 - pad)) < 0)
			return rc;
	}
	p->i += n + 1;
	return 0;
}

/*
 * A '[' list of values of a record: pairs when each is set (each, if
 * not '*', the kind of every key). *count grows by the items.
 */
static int
json_list(struct json_parser *p, const struct json_rec *r, uint32_t *count)
{
	uint32_t	k = 0;
	int		rc;

	if ((rc = json_expect(p, '[', "expected '['")) < 0)
		return rc;
	json_ws(p);
	if (p->i < p->n && p->s[p->i] == ']')
		p->i++;
	else
		for (;;) {
			if (k % 2 == 0 && r->each != 0)
				rc = json_typed(p, r->tag, r->list, r->each);
			else
				rc = json_value(p);
			if (rc < 0)
				return rc;
			if (++k == UINT32_MAX - 8)
				return json_err(p, "too many elements");
			json_ws(p);
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if ((rc = json_expect(p, ']', "expected ',' or ']'"))
			    < 0)
				return rc;
			break;
		}
	if (r->each != 0 && k % 2 != 0)
		return json_tag_err(p, r->tag, "needs key, value pairs in",
		    r->list, "");
	*count += k;
	return 0;
}

/* The fields of record r's tag, packed as [marker, fields..., list...]. */
static int
json_record(struct json_parser *p, const struct json_rec *r)
{
	size_t		start, k, nf = strlen(r->kinds);
	uint32_t	count = 1;
	int		rc;

	if (++p->depth > p->maxdepth)
		return json_err(p, "nesting is too deep");
	if ((rc = json_reserve(p, &start)) < 0)
		return rc;
	p->objects++;
	if ((rc = json_put_head(p, 'e', 0, r->marker)) < 0)
		return rc;
	for (k = 0; k < nf; k++) {
		if (r->opt && r->list == NULL && k == nf - 1 && json_at_end(p))
			break;
		if ((rc = json_field(p, r->tag, r->names[k])) < 0 ||
		    (rc = json_typed(p, r->tag, r->names[k], r->kinds[k])) < 0)
			return rc;
		count++;
	}
	if (r->list != NULL && !(r->opt && json_at_end(p)) &&
	    ((rc = json_field(p, r->tag, r->list)) < 0 ||
	    (rc = json_list(p, r, &count)) < 0))
		return rc;
	p->depth--;
	json_patch(p->b, start, 'a', count, 0);
	return 0;
}

/*
 * A tagged value; p->i is after its "$wwd" key. The tag's fields
 * follow in the documented order, then the closing '}'.
 */
static int
json_tag(struct json_parser *p)
{
	uint64_t	bits;
	double		d;
	int		tag, sp, rc;
	const char	*name;

	if ((rc = json_expect(p, ':', "expected ':'")) < 0)
		return rc;
	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != '"')
		return json_err(p, "\"$wwd\" takes a tag name (a string)");
	if ((rc = json_word(p, json_tags, JSON_NTAGS, &tag)) < 0)
		return rc;
	if (tag < 0)
		return json_err(p, "unknown $wwd tag (see \"The JSON form\" "
		    "in docs/protocol.md)");
	name = json_tags[tag];
	rc = 0;
	if (tag >= TAG_NLEAVES)
		rc = json_record(p, &json_recs[tag - TAG_NLEAVES]);
	switch (tag) {
	case TAG_UNDEFINED:
		rc = json_put_head(p, 'e', 0, 0);
		break;
	case TAG_NUMBER:
		if ((rc = json_field(p, name, "value")) < 0 ||
		    (rc = json_word(p, json_specials, 4, &sp)) < 0)
			return rc;
		if (sp < 0)
			return json_tag_err(p, name, "takes \"NaN\", "
			    "\"Infinity\", \"-Infinity\" or \"-0\"", NULL,
			    "");
		d = sp == 0 ? NAN : sp == 1 ? INFINITY : sp == 2 ?
		    -INFINITY : -0.0;
		memcpy(&bits, &d, sizeof bits);
		rc = json_put_be(p, 0xcb, bits, 8);
		break;
	case TAG_REF:
		if ((rc = json_field(p, name, "index")) < 0 ||
		    (rc = json_double(p, name, &d)) < 0)
			return rc;
		if (!(d >= 0 && d < p->objects && d == floor(d)))
			return json_tag_err(p, name, "index must name an "
			    "object that comes before it", NULL, "");
		if ((rc = json_put_head(p, 'e', 4, 1)) == 0)
			rc = json_put_be(p, -1, (uint64_t)d, 4);
		break;
	case TAG_DATE:
		p->objects++;
		if ((rc = json_field(p, name, "value")) < 0 ||
		    (rc = json_double(p, name, &d)) < 0 ||
		    (rc = json_put_head(p, 'e', 8, 3)) < 0)
			return rc;
		if (isnan(d))
			d = NAN;
		memcpy(&bits, &d, sizeof bits);
		rc = json_put_be(p, -1, bits, 8);
		break;
	case TAG_BUFFER:
		p->objects++;
		if ((rc = json_field(p, name, "base64")) < 0)
			return rc;
		rc = json_base64(p);
		break;
	case TAG_OBJECT:
		if ((rc = json_field(p, name, "value")) < 0 ||
		    (rc = json_expect(p, '{', "the $wwd \"object\" tag needs "
		    "an object \"value\"")) < 0)
			return rc;
		p->i--;
		rc = json_container(p);
		break;
	default:
		break;
	}
	if (rc < 0)
		return rc;
	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != '}')
		return json_tag_err(p, name, "has an unexpected field",
		    NULL, "");
	p->i++;
	return 0;
}

/* array or object (a plain one: no tag); p->i is at the '[' or '{'. */
static int
json_container(struct json_parser *p)
{
	int		obj = p->s[p->i] == '{', rc;
	char		close = obj ? '}' : ']';
	size_t		start;
	uint32_t	count = 0;

	if (++p->depth > p->maxdepth)
		return json_err(p, "nesting is too deep");
	if ((rc = json_reserve(p, &start)) < 0)
		return rc;
	p->objects++;
	p->i++;
	json_ws(p);
	if (p->i < p->n && p->s[p->i] == close)
		p->i++;
	else
		for (;;) {
			if (obj) {
				json_ws(p);
				if (p->i >= p->n || p->s[p->i] != '"')
					return json_err(p,
					    "expected a string key");
				if ((rc = json_string(p)) < 0)
					return rc;
				if ((rc = json_expect(p, ':', "expected ':'"))
				    < 0)
					return rc;
			}
			if ((rc = json_value(p)) < 0)
				return rc;
			if (count == UINT32_MAX)
				return json_err(p, "too many elements");
			count++;
			json_ws(p);
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->n && p->s[p->i] == close) {
				p->i++;
				break;
			}
			return json_err(p, obj ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		}
	p->depth--;
	json_patch(p->b, start, obj ? 'm' : 'a', count, 0);
	return 0;
}

/* An object: a tag when its first key is "$wwd", else plain. */
static int
json_object(struct json_parser *p)
{
	size_t	save = p->i, mark = ipc_buf_used(p->b);
	int	rc, tag;

	p->i++;
	json_ws(p);
	if (p->i < p->n && p->s[p->i] == '"') {
		if ((rc = json_string(p)) < 0)
			return rc;
		tag = ipc_buf_used(p->b) - mark == 5 &&
		    memcmp(ipc_buf_head(p->b) + mark, "\xa4$wwd", 5) == 0;
		json_cut(p, mark);
		if (tag)
			return json_tag(p);
	}
	p->i = save;
	return json_container(p);
}

static int
json_literal(struct json_parser *p, const char *word, uint8_t code)
{
	size_t	n = strlen(word);

	if (p->n - p->i < n || memcmp(p->s + p->i, word, n) != 0)
		return json_err(p, "unexpected character");
	p->i += n;
	return json_put(p, &code, 1);
}

static int
json_value(struct json_parser *p)
{
	json_ws(p);
	if (p->i >= p->n)
		return json_err(p, "unexpected end of input");
	switch (p->s[p->i]) {
	case '{':
		return json_object(p);
	case '[':
		return json_container(p);
	case '"':
		return json_string(p);
	case 't':
		return json_literal(p, "true", 0xc3);
	case 'f':
		return json_literal(p, "false", 0xc2);
	case 'n':
		return json_literal(p, "null", 0xc0);
	default:
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' &&
		    p->s[p->i] <= '9'))
			return json_number(p);
		return json_err(p, "unexpected character");
	}
}

/*
 * Append the msgpack form of one JSON text (tagged values included) to
 * b, nested at most maxdepth levels. On failure b is left as it was;
 * *why and *pos (byte offset) say what and where. 0, -EINVAL or
 * -ENOMEM.
 */
int
wwd_json_pack(struct ipc_buf *b, const char *s, size_t n, unsigned maxdepth,
    const char **why, size_t *pos)
{
	struct json_parser	p = { s, n, 0, b, NULL, 0, maxdepth, 0 };
	size_t			mark = ipc_buf_used(b);
	int			rc;

	if ((rc = json_value(&p)) == 0) {
		json_ws(&p);
		if (p.i < n)
			rc = json_err(&p, "unexpected text after the value");
	}
	if (rc < 0) {
		b->len = b->off + mark;
		if (why != NULL)
			*why = p.why;
		if (pos != NULL)
			*pos = p.i;
	}
	return rc;
}

/* JSON text to msgpack bytes; see wwd.h. */
int
wwd_json_to_msgpack(const char *s, size_t n, void **out, size_t *outlen,
    const char **why)
{
	struct ipc_buf	b;
	int		rc;

	ipc_buf_init(&b);
	if ((rc = wwd_json_pack(&b, s, n, IPC_CLONE_DEPTH, why, NULL)) < 0) {
		ipc_buf_clear(&b);
		return rc;
	}
	*out = b.data;	/* nothing was consumed: the data starts there */
	*outlen = ipc_buf_used(&b);
	return 0;
}

/* The printer: msgpack bytes (already checked) to JSON text. */
struct json_printer {
	const uint8_t	*p;
	struct ipc_buf	*b;
	const char	*why;
	int		 nomem;
	uint32_t	 objects;	/* objects begun, for back-references */
};

static void
jout(struct json_printer *j, const char *s, size_t n)
{
	if (ipc_buf_append(j->b, s, n) < 0)
		j->nomem = 1;
}

static void
jouts(struct json_printer *j, const char *s)
{
	jout(j, s, strlen(s));
}

static uint64_t
jbe(struct json_printer *j, unsigned size)
{
	uint64_t	v = 0;
	unsigned	k;

	for (k = 0; k < size; k++)
		v = v << 8 | *j->p++;
	return v;
}

/*
 * A double as ECMAScript's Number::toString prints it: the shortest
 * correctly rounded digits that round-trip through strtod (15 digits
 * are not always the shortest, e.g. 5e-324, so every count up to 17 is
 * tried), fixed notation for exponents in [-6, 21), else d.ddde+n.
 */
static void
json_print_double(struct json_printer *j, double d)
{
	char		 e[40], digits[20], out[64];
	const char	*q;
	int		 prec, k = 0, n, o = 0, i;

	if (isnan(d) || isinf(d) || (d == 0 && signbit(d))) {
		jouts(j, "{\"$wwd\":\"number\",\"value\":\"");
		jouts(j, isnan(d) ? "NaN" : d == 0 ? "-0" : d < 0 ?
		    "-Infinity" : "Infinity");
		jouts(j, "\"}");
		return;
	}
	if (d == 0) {
		jouts(j, "0");
		return;
	}
	if (d < 0) {
		out[o++] = '-';
		d = -d;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	/* d[.ddd]e[+-]xx, the point in the locale's form. */
	for (q = e; *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[k++] = *q;
	n = atoi(q + 1) + 1;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	if (k <= n && n <= 21) {
		memcpy(out + o, digits, (size_t)k);
		o += k;
		for (i = k; i < n; i++)
			out[o++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(out + o, digits, (size_t)n);
		o += n;
		out[o++] = '.';
		memcpy(out + o, digits + n, (size_t)(k - n));
		o += k - n;
	} else if (-6 < n && n <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -n; i++)
			out[o++] = '0';
		memcpy(out + o, digits, (size_t)k);
		o += k;
	} else {
		out[o++] = digits[0];
		if (k > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)(k - 1));
			o += k - 1;
		}
		o += snprintf(out + o, sizeof out - (size_t)o, "e%c%d",
		    n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
	}
	jout(j, out, (size_t)o);
}

/*
 * A string, escaped as JSON.stringify does. Surrogates encoded as
 * 3-byte sequences (CESU-8, as JavaScript engines may emit) are paired
 * up or, when lone, written as \u escapes; other invalid bytes become
 * U+FFFD.
 */
static void
json_print_string(struct json_printer *j, const uint8_t *s, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i = 0, run = 0, l;
	unsigned		cp, lo;
	char			esc[8];

	jout(j, "\"", 1);
	while (i < n) {
		uint8_t	c = s[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (l = json_utf8(s + i, n - i, &cp)) > 0) {
			i += l;
			continue;
		}
		jout(j, (const char *)s + run, i - run);
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jout(j, esc, 2);
			i++;
		} else if (c < 0x20) {
			const char	*named = NULL;

			switch (c) {
			case '\b': named = "\\b"; break;
			case '\f': named = "\\f"; break;
			case '\n': named = "\\n"; break;
			case '\r': named = "\\r"; break;
			case '\t': named = "\\t"; break;
			}
			if (named != NULL)
				jout(j, named, 2);
			else {
				snprintf(esc, sizeof esc, "\\u00%c%c",
				    hex[c >> 4], hex[c & 15]);
				jout(j, esc, 6);
			}
			i++;
		} else if (c == 0xed && n - i >= 3 && (s[i + 1] & 0xe0) ==
		    0xa0 && (s[i + 2] & 0xc0) == 0x80) {
			cp = 0xd000 | (s[i + 1] & 0x3f) << 6 |
			    (s[i + 2] & 0x3f);
			i += 3;
			if (cp < 0xdc00 && n - i >= 3 && s[i] == 0xed &&
			    (s[i + 1] & 0xf0) == 0xb0 &&
			    (s[i + 2] & 0xc0) == 0x80) {
				lo = 0xd000 | (s[i + 1] & 0x3f) << 6 |
				    (s[i + 2] & 0x3f);
				i += 3;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				if (json_put_utf8(j->b, cp) < 0)
					j->nomem = 1;
			} else {
				snprintf(esc, sizeof esc, "\\u%c%c%c%c",
				    hex[cp >> 12], hex[cp >> 8 & 15],
				    hex[cp >> 4 & 15], hex[cp & 15]);
				jout(j, esc, 6);
			}
		} else {
			jout(j, "\xef\xbf\xbd", 3);
			i++;
		}
		run = i;
	}
	jout(j, (const char *)s + run, i - run);
	jout(j, "\"", 1);
}

static int	json_print(struct json_printer *);
static int	json_print_ext(struct json_printer *, uint32_t);

static int	json_print(struct json_printer *);

/*
 * A Map, Set, view or other record [marker, ...] of count items (marker
 * included) at the marker: its tag (docs/protocol.md, "The JSON form")
 * when its fields have the documented kinds, else an error.
 */
static int
json_print_record(struct json_printer *j, uint32_t count)
{
	const struct json_rec	*r = NULL;
	uint32_t		 k, nf;
	size_t			 i;
	int			 rc;

	for (i = 0; i < JSON_NRECS; i++)
		if (json_recs[i].marker == j->p[2])
			r = &json_recs[i];
	j->p += 3;	/* c7 00 type */
	if (r == NULL) {
		j->why = "record type has no JSON form";
		return -EINVAL;
	}
	nf = (uint32_t)strlen(r->kinds);
	if (count - 1 < nf && !(r->opt && r->list == NULL &&
	    count - 1 == nf - 1)) {
		j->why = "record has too few fields";
		return -EINVAL;
	}
	if (count - 1 > nf && (r->list == NULL || (r->each != 0 &&
	    (count - 1 - nf) % 2 != 0))) {
		j->why = "record has too many fields";
		return -EINVAL;
	}
	jouts(j, "{\"$wwd\":\"");
	jouts(j, r->tag);
	jouts(j, "\"");
	for (k = 1; k < count; k++) {
		char	kind = k <= nf ? r->kinds[k - 1] :
		    (k - nf) % 2 == 1 ? r->each : '*';

		if (k <= nf) {
			jouts(j, ",\"");
			jouts(j, r->names[k - 1]);
			jouts(j, "\":");
		} else if (k == nf + 1) {
			jouts(j, ",\"");
			jouts(j, r->list);
			jouts(j, "\":[");
		} else
			jouts(j, ",");
		if (!json_mp_kind(j->p, kind)) {
			j->why = "record field of the wrong type";
			return -EINVAL;
		}
		if ((rc = json_print(j)) < 0)
			return rc;
	}
	if (r->list != NULL && count - 1 > nf)
		jouts(j, "]");
	else if (r->list != NULL && !r->opt) {
		jouts(j, ",\"");
		jouts(j, r->list);
		jouts(j, "\":[]");
	}
	jouts(j, "}");
	return 0;
}

/* An ArrayBuffer (bin of len bytes): {"$wwd":"ArrayBuffer","base64":s}. */
static void
json_print_bin(struct json_printer *j, uint32_t len)
{
	static const char	b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t		*s = j->p;
	char			 q[4];
	uint32_t		 i, v;

	j->objects++;
	jouts(j, "{\"$wwd\":\"ArrayBuffer\",\"base64\":\"");
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		jout(j, q, 4);
	}
	jouts(j, "\"}");
	j->p += len;
}

/* The UTF-8 bytes [s, end) escaped, without quotes. */
static void
json_print_run(struct json_printer *j, const uint8_t *s, const uint8_t *end)
{
	size_t	mark = j->b->len;

	if (s == end)
		return;
	json_print_string(j, s, (size_t)(end - s));
	if (!j->nomem) {
		memmove(j->b->data + mark, j->b->data + mark + 1,
		    j->b->len - mark - 2);
		j->b->len -= 2;
	}
}

/*
 * A WTF-8 string (ext 2): UTF-8 parts as usual, each lone surrogate
 * (ED A0..BF xx) as a \uXXXX escape, all in one JSON string.
 */
static int
json_print_wtf8(struct json_printer *j, uint32_t len)
{
	const uint8_t	*s = j->p, *end = j->p + len, *run = s;
	char		 esc[8];

	jout(j, "\"", 1);
	while (s < end) {
		if (end - s >= 3 && s[0] == 0xed && s[1] >= 0xa0) {
			json_print_run(j, run, s);
			snprintf(esc, sizeof esc, "\\u%04x",
			    0xd000 | (s[1] & 0x3f) << 6 | (s[2] & 0x3f));
			jouts(j, esc);
			s += 3;
			run = s;
		} else
			s++;
	}
	json_print_run(j, run, s);
	jout(j, "\"", 1);
	j->p = end;
	return 0;
}

/* An ext of len data bytes at its type byte. */
static int
json_print_ext(struct json_printer *j, uint32_t len)
{
	int8_t		type = (int8_t)*j->p++;
	char		num[48];
	uint64_t	v;
	double		d;

	if (type == 0 && len == 0) {
		jouts(j, "{\"$wwd\":\"undefined\"}");
		return 0;
	}
	if (type == 1 && len == 4) {
		if ((v = jbe(j, 4)) >= j->objects) {
			j->why = "back-reference to an object not yet seen";
			return -EINVAL;
		}
		snprintf(num, sizeof num, "%lu", (unsigned long)v);
		jouts(j, "{\"$wwd\":\"ref\",\"index\":");
		jouts(j, num);
		jouts(j, "}");
		return 0;
	}
	if (type == 2)
		return json_print_wtf8(j, len);
	if (type == 3 && len == 8) {
		j->objects++;
		v = jbe(j, 8);
		memcpy(&d, &v, sizeof d);
		jouts(j, "{\"$wwd\":\"Date\",\"value\":");
		json_print_double(j, d);
		jouts(j, "}");
		return 0;
	}
	j->why = "unsupported msgpack extension type";
	return -EINVAL;
}

static int	json_print_members(struct json_printer *, uint32_t, int);

static int
json_print_container(struct json_printer *j, uint32_t count, int map)
{
	const uint8_t	*key;
	uint32_t	 len;
	int		 rc;

	j->objects++;
	if (!map && count > 0 && j->p[0] == 0xc7 && j->p[1] == 0 &&
	    j->p[2] >= 16 && j->p[2] <= 31)
		return json_print_record(j, count);
	if (map && count > 0 && json_mp_string(j->p, &key, &len) &&
	    len == 4 && memcmp(key, "$wwd", 4) == 0) {
		/* An object that looks like a tag is escaped. */
		jouts(j, "{\"$wwd\":\"object\",\"value\":");
		if ((rc = json_print_members(j, count, map)) < 0)
			return rc;
		jouts(j, "}");
		return 0;
	}
	return json_print_members(j, count, map);
}

/* A plain array or map of count members. */
static int
json_print_members(struct json_printer *j, uint32_t count, int map)
{
	uint32_t	k;
	int		rc;

	jout(j, map ? "{" : "[", 1);
	for (k = 0; k < count; k++) {
		if (k > 0)
			jout(j, ",", 1);
		if (map) {
			const uint8_t	*key;
			uint32_t	 len;

			uint8_t		 c = *j->p;

			if (!json_mp_string(j->p, &key, &len)) {
				j->why = "map key is not a string";
				return -EINVAL;
			}
			j->p = key;
			if ((c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 &&
			    c <= 0xdb)) {
				json_print_string(j, key, len);
				j->p = key + len;
			} else
				json_print_wtf8(j, len);
			jout(j, ":", 1);
		}
		if ((rc = json_print(j)) < 0)
			return rc;
	}
	jout(j, map ? "}" : "]", 1);
	return 0;
}

/* One object at j->p (ipc_check vouched for every length). */
static int
json_print(struct json_printer *j)
{
	uint8_t		c = *j->p++;
	char		num[32];
	uint64_t	v;
	uint32_t	len;
	float		f;
	double		d;

	if (c <= 0x7f) {
		snprintf(num, sizeof num, "%u", c);
		jouts(j, num);
		return 0;
	}
	if (c >= 0xe0) {
		snprintf(num, sizeof num, "%d", (int8_t)c);
		jouts(j, num);
		return 0;
	}
	if (c >= 0x80 && c <= 0x8f)
		return json_print_container(j, c & 0x0f, 1);
	if (c >= 0x90 && c <= 0x9f)
		return json_print_container(j, c & 0x0f, 0);
	if (c >= 0xa0 && c <= 0xbf) {
		json_print_string(j, j->p, c & 0x1f);
		j->p += c & 0x1f;
		return 0;
	}
	switch (c) {
	case 0xc0:
		jouts(j, "null");
		return 0;
	case 0xc2:
		jouts(j, "false");
		return 0;
	case 0xc3:
		jouts(j, "true");
		return 0;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		v = jbe(j, 1u << (c - 0xcc));
		snprintf(num, sizeof num, "%llu", (unsigned long long)v);
		jouts(j, num);
		return 0;
	case 0xd0:
		snprintf(num, sizeof num, "%d", (int8_t)jbe(j, 1));
		jouts(j, num);
		return 0;
	case 0xd1:
		snprintf(num, sizeof num, "%d", (int16_t)jbe(j, 2));
		jouts(j, num);
		return 0;
	case 0xd2:
		snprintf(num, sizeof num, "%ld", (long)(int32_t)jbe(j, 4));
		jouts(j, num);
		return 0;
	case 0xd3:
		snprintf(num, sizeof num, "%lld",
		    (long long)(int64_t)jbe(j, 8));
		jouts(j, num);
		return 0;
	case 0xca:
		len = (uint32_t)jbe(j, 4);
		memcpy(&f, &len, sizeof f);
		json_print_double(j, f);
		return 0;
	case 0xcb:
		v = jbe(j, 8);
		memcpy(&d, &v, sizeof d);
		json_print_double(j, d);
		return 0;
	case 0xd9: case 0xda: case 0xdb:
		len = (uint32_t)jbe(j, c == 0xd9 ? 1 : c == 0xda ? 2 : 4);
		json_print_string(j, j->p, len);
		j->p += len;
		return 0;
	case 0xdc: case 0xdd:
		len = (uint32_t)jbe(j, c == 0xdc ? 2 : 4);
		return json_print_container(j, len, 0);
	case 0xde: case 0xdf:
		len = (uint32_t)jbe(j, c == 0xde ? 2 : 4);
		return json_print_container(j, len, 1);
	case 0xc7: case 0xc8: case 0xc9:
		len = (uint32_t)jbe(j, 1u << (c - 0xc7));
		return json_print_ext(j, len);
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		return json_print_ext(j, 1u << (c - 0xd4));
	case 0xc4: case 0xc5: case 0xc6:
		json_print_bin(j, (uint32_t)jbe(j, 1u << (c - 0xc4)));
		return 0;
	default:
		j->why = "unsupported msgpack type";
		return -EINVAL;
	}
}

/* msgpack bytes to JSON text; see wwd.h. */
int
wwd_msgpack_to_json(const void *p, size_t n, char **out, size_t *outlen,
    const char **why)
{
	struct ipc_buf		b;
	struct json_printer	j = { p, &b, NULL, 0, 0 };
	const char		*w = NULL;
	int			rc;

	ipc_buf_init(&b);
	if (ipc_check(p, n, IPC_CLONE_DEPTH, &w) < 0) {
		rc = -EINVAL;	/* as documented, not ipc_check's -EBADMSG */
		goto fail;
	}
	if ((rc = json_print(&j)) < 0) {
		w = j.why;
		goto fail;
	}
	jout(&j, "", 1);
	if (j.nomem) {
		rc = -ENOMEM;
		w = "out of memory";
		goto fail;
	}
	*out = (char *)b.data;
	if (outlen != NULL)
		*outlen = ipc_buf_used(&b) - 1;
	return 0;
fail:
	if (why != NULL)
		*why = w;
	ipc_buf_clear(&b);
	return rc;
}
