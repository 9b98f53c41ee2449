/*
 * json_write.c: the message encoding (msgpack bytes, already checked)
 * -> JSON text, for libwwd users and wwctl: writes JSON the way
 * JSON.stringify would (numbers in ECMAScript's shortest form), and
 * what JSON cannot say in the tagged form of "The JSON form"
 * (docs/protocol.md), which json_read.c reads back unchanged. No state.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"

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
		if (c >= 0x80 && (l = wwd_json_utf8(s + i, n - i, &cp)) > 0) {
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
				if (wwd_json_put_utf8(j->b, cp) < 0)
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

/*
 * A Map, Set, view or other record [marker, ...] of count items (marker
 * included) at the marker: its tag (docs/protocol.md, "The JSON form")
 * when its fields have the documented kinds, else an error.
 */
static int
json_print_record(struct json_printer *j, uint32_t count)
{
	const struct wwd_json_rec	*r = NULL;
	uint32_t		 k, nf;
	size_t			 i;
	int			 rc;

	for (i = 0; i < wwd_json_nrecs; i++)
		if (wwd_json_recs[i].marker == j->p[2])
			r = &wwd_json_recs[i];
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
		if (!wwd_json_mp_kind(j->p, kind)) {
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
	if (map && count > 0 && wwd_json_mp_string(j->p, &key, &len) &&
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

			if (!wwd_json_mp_string(j->p, &key, &len)) {
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

