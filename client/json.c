/*
 * json.c: JSON text <-> the message encoding (msgpack, see the payload
 * rules in docs/protocol.md), for libwwd users and wwctl. A small strict
 * RFC 8259 parser that packs straight into a buffer, and a printer that
 * walks validated msgpack bytes and writes JSON the way JSON.stringify
 * would (numbers in ECMAScript's shortest form). No dependency, no
 * state; NaN, Infinity and undefined print as null for now.
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

/* The parser's state: input, position, output, the first error. */
struct json_parser {
	const char	*s;
	size_t		 n;
	size_t		 i;
	struct ipc_buf	*b;
	const char	*why;
	unsigned	 depth;
};

static int	json_value(struct json_parser *);

static int
json_err(struct json_parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
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

/* Write a big-endian integer of size bytes after a type byte. */
static int
json_put_be(struct json_parser *p, uint8_t type, uint64_t v, unsigned size)
{
	uint8_t		t[9];
	unsigned	k;

	t[0] = type;
	for (k = 0; k < size; k++)
		t[1 + k] = (uint8_t)(v >> (8 * (size - 1 - k)));
	return json_put(p, t, 1 + size);
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
 * is a double first, then packed by the payload rule.
 */
static int
json_number(struct json_parser *p)
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
	return json_put_number(p, strtod(tmp, NULL));
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
 * else it is lone and becomes U+FFFD (the next escape is left alone).
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
	*cp = 0xfffd;
	return 0;
}

/* Append code point cp as UTF-8. */
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
	if (*cp < min || *cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Shrink a header reserved as 5 bytes at start (offset from the head)
 * to the shortest form for count (fix, 8-bit where the type has it,
 * 16-bit, 32-bit): write it, then move the body down.
 */
static void
json_patch(struct ipc_buf *b, size_t start, uint32_t count, uint8_t fix,
    uint32_t fixmax, uint8_t t8, uint8_t t16, uint8_t t32)
{
	uint8_t	*h = ipc_buf_head(b) + start;
	size_t	 body = ipc_buf_used(b) - start - 5, hs;

	if (count <= fixmax) {
		h[0] = (uint8_t)(fix | count);
		hs = 1;
	} else if (t8 != 0 && count <= 0xff) {
		h[0] = t8;
		h[1] = (uint8_t)count;
		hs = 2;
	} else if (count <= 0xffff) {
		h[0] = t16;
		h[1] = (uint8_t)(count >> 8);
		h[2] = (uint8_t)count;
		hs = 3;
	} else {
		h[0] = t32;
		ipc_put32(h + 1, count);
		return;
	}
	memmove(h + hs, h + 5, body);
	b->len -= 5 - hs;
}

/* Reserve a 5-byte header; its offset from the head. */
static int
json_reserve(struct json_parser *p, size_t *start)
{
	*start = ipc_buf_used(p->b);
	return json_put(p, "\0\0\0\0\0", 5);
}

/* string = quotation-mark *char quotation-mark; p->i is at the '"'. */
static int
json_string(struct json_parser *p)
{
	size_t		start, len;
	unsigned	cp;
	int		rc;

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
				if (cp >= 0xdc00 && cp <= 0xdfff)
					cp = 0xfffd;	/* lone low */
				else if (cp >= 0xd800 && cp <= 0xdbff &&
				    (rc = json_low(p, &cp)) < 0)
					return rc;
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
	len = ipc_buf_used(p->b) - start - 5;
	if (len > UINT32_MAX)
		return json_err(p, "string is too long");
	json_patch(p->b, start, (uint32_t)len, 0xa0, 31, 0xd9, 0xda, 0xdb);
	return 0;
}

/* array or object; p->i is at the '[' or '{'. */
static int
json_container(struct json_parser *p)
{
	int		obj = p->s[p->i] == '{', rc;
	char		close = obj ? '}' : ']';
	size_t		start;
	uint32_t	count = 0;

	if (++p->depth > IPC_CLONE_DEPTH)
		return json_err(p, "nesting is too deep");
	if ((rc = json_reserve(p, &start)) < 0)
		return rc;
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
				json_ws(p);
				if (p->i >= p->n || p->s[p->i] != ':')
					return json_err(p, "expected ':'");
				p->i++;
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
	if (obj)
		json_patch(p->b, start, count, 0x80, 15, 0, 0xde, 0xdf);
	else
		json_patch(p->b, start, count, 0x90, 15, 0, 0xdc, 0xdd);
	return 0;
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
 * Append the msgpack form of one JSON text to b. On failure b is left
 * as it was; *why and *pos (byte offset) say what and where. 0, -EINVAL
 * or -ENOMEM.
 */
int
wwd_json_pack(struct ipc_buf *b, const char *s, size_t n, const char **why,
    size_t *pos)
{
	struct json_parser	p = { s, n, 0, b, NULL, 0 };
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
	if ((rc = wwd_json_pack(&b, s, n, why, NULL)) < 0) {
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

/* A map's keys must be strings; the key is printed as one. */
static int
json_print_key(struct json_printer *j)
{
	uint8_t		c = *j->p;
	uint32_t	len;

	if (c >= 0xa0 && c <= 0xbf) {
		len = c & 0x1f;
		j->p++;
	} else if (c == 0xd9 || c == 0xda || c == 0xdb) {
		j->p++;
		len = (uint32_t)jbe(j, c == 0xd9 ? 1 : c == 0xda ? 2 : 4);
	} else {
		j->why = "map key is not a string";
		return -EINVAL;
	}
	json_print_string(j, j->p, len);
	j->p += len;
	return 0;
}

/* Whether a map's first key at j->p is the tag key "$wwd". */
static int
json_first_key_is_tag(const struct json_printer *j)
{
	return j->p[0] == 0xa4 && memcmp(j->p + 1, "$wwd", 4) == 0;
}

/*
 * A Map (22), Set (23) or view (24) record after its marker, count
 * items with the marker: {"$wwd":"Map","entries":[k,v...]},
 * {"$wwd":"Set","values":[...]}, {"$wwd":"view","kind":K,"buffer":B,
 * "byteOffset":O,"length":N}.
 */
static int
json_print_collection(struct json_printer *j, uint8_t rec, uint32_t count)
{
	static const char *const view[] = { "kind", "buffer", "byteOffset",
	    "length" };
	uint32_t	k;
	int		rc;

	if (rec == 24 && count != 5) {
		j->why = "view record needs kind, buffer, offset, length";
		return -EINVAL;
	}
	jouts(j, rec == 22 ? "{\"$wwd\":\"Map\",\"entries\":[" : rec == 23 ?
	    "{\"$wwd\":\"Set\",\"values\":[" : "{\"$wwd\":\"view\"");
	for (k = 1; k < count; k++) {
		if (rec == 24) {
			jouts(j, ",\"");
			jouts(j, view[k - 1]);
			jouts(j, "\":");
		} else if (k > 1)
			jouts(j, ",");
		if ((rc = json_print(j)) < 0)
			return rc;
	}
	jouts(j, rec == 24 ? "}" : "]}");
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

static int	json_print(struct json_printer *);

/*
 * A record [marker, ...] of count items (marker included) at the marker:
 * its tagged JSON form (docs/protocol.md, "The JSON form").
 */
static int
json_print_record(struct json_printer *j, uint32_t count)
{
	static const char *const tags[] = { "Boolean", "Number", "String",
	    "RegExp", "array", "Error", "Map", "Set", "view" };
	static const char *const fields[][2] = { { "value", NULL },
	    { "value", NULL }, { "value", NULL }, { "source", "flags" },
	    { "length", NULL }, { "name", "message" } };
	uint8_t		rec = j->p[2];
	uint32_t	k;
	int		rc;

	j->p += 3;	/* c7 00 type */
	if (rec > 24) {
		j->why = "record type has no JSON form";
		return -EINVAL;
	}
	if (rec >= 22)
		return json_print_collection(j, rec, count);
	jouts(j, "{\"$wwd\":\"");
	jouts(j, tags[rec - 16]);
	jouts(j, "\"");
	for (k = 1; k < count; k++) {
		if (k <= 2 && fields[rec - 16][k - 1] != NULL) {
			jouts(j, ",\"");
			jouts(j, fields[rec - 16][k - 1]);
			jouts(j, "\":");
		} else if (k == 2 && rec == 20)
			jouts(j, ",\"items\":[");
		else
			jouts(j, ",");
		if ((rc = json_print(j)) < 0)
			return rc;
	}
	if (rec == 20 && count > 2)
		jouts(j, "]");
	jouts(j, "}");
	return 0;
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
		snprintf(num, sizeof num, "%lu", (unsigned long)jbe(j, 4));
		jouts(j, "{\"$wwd\":\"ref\",\"index\":");
		jouts(j, num);
		jouts(j, "}");
		return 0;
	}
	if (type == 2)
		return json_print_wtf8(j, len);
	if (type == 3 && len == 8) {
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
	int		rc;

	if (!map && count > 0 && j->p[0] == 0xc7 && j->p[1] == 0 &&
	    j->p[2] >= 16 && j->p[2] <= 31)
		return json_print_record(j, count);
	if (map && count > 0 && json_first_key_is_tag(j)) {
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
			if ((rc = json_print_key(j)) < 0)
				return rc;
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
	struct json_printer	j = { p, &b, NULL, 0 };
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
