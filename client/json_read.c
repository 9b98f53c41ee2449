/*
 * json_read.c: JSON text -> the message encoding (msgpack, see the
 * payload rules in docs/protocol.md), for libwwd users and wwctl. A
 * small strict RFC 8259 parser that packs straight into a buffer; what
 * JSON cannot say comes in the tagged form of "The JSON form", so that
 * json_write.c's output reads back to the same bytes. No state.
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

/* Every tag: those that are not records, then wwd_json_recs's. */
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
			if (wwd_json_put_utf8(p->b, cp) < 0)
				return json_err(p, "out of memory");
			continue;
		}
		/* A run of plain bytes, validated as UTF-8. */
		for (k = 0; p->i + k < p->n && s[k] >= 0x20 && s[k] != '"' &&
		    s[k] != '\\';) {
			size_t	l;

			l = wwd_json_utf8(s + k, p->n - p->i - k, &cp);

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

/* A value that must be of kind k (struct wwd_json_rec), packed. */
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
	if (wwd_json_mp_kind(ipc_buf_head(p->b) + mark, k))
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
json_list(struct json_parser *p, const struct wwd_json_rec *r, uint32_t *count)
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
json_record(struct json_parser *p, const struct wwd_json_rec *r)
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
		rc = json_record(p, &wwd_json_recs[tag - TAG_NLEAVES]);
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
