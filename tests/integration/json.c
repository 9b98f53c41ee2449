/*
 * json.c: strict recursive-descent JSON reader (RFC 8259) used by the
 * integration tests to check wwctl's output by value. Runs in the test
 * process only; the caller owns the tree json_parse returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_DEPTH_MAX 200

struct reader {
	const char	*p;
	const char	*why;
	unsigned	 depth;
};

static struct json *parse_value(struct reader *);

static void
skip_ws(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' ||
	    *r->p == '\r')
		r->p++;
}

static struct json *
new_value(enum json_type type)
{
	struct json	*v;

	if ((v = calloc(1, sizeof *v)) != NULL)
		v->type = type;
	return v;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned	v = 0;
	int		i;

	for (i = 0; i < 4; i++) {
		char	c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string starting at the opening quote; *len gets its byte count. */
static char *
parse_string(struct reader *r, size_t *len)
{
	const char	*p = r->p + 1;
	char		*out, *o;

	/* Unescaped output is never longer than the escaped input. */
	if ((out = malloc(strlen(p) + 1)) == NULL) {
		r->why = "out of memory";
		return NULL;
	}
	o = out;
	for (;;) {
		unsigned char	c = (unsigned char)*p;
		unsigned	cp, lo;

		if (c == '"')
			break;
		if (c == '\0' || c < 0x20) {
			r->why = "unterminated string or control character";
			goto fail;
		}
		if (c != '\\') {
			*o++ = (char)c;
			p++;
			continue;
		}
		p++;
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(p, &cp) < 0)
				goto bad_escape;
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && p[0] == '\\' &&
			    p[1] == 'u' && hex4(p + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			o += put_utf8(o, cp);
			break;
		default:
			goto bad_escape;
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	r->p = p + 1;
	return out;
bad_escape:
	r->why = "bad escape in string";
fail:
	free(out);
	return NULL;
}

static struct json *
parse_number(struct reader *r)
{
	const char	*p = r->p;
	struct json	*v;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		goto bad;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((v = new_value(JSON_NUMBER)) == NULL)
		return NULL;
	v->num = strtod(r->p, NULL);
	r->p = p;
	return v;
bad:
	r->why = "bad number";
	return NULL;
}

static int
push(struct json *v, char *key, struct json *item)
{
	struct json	**items;
	char		**keys;

	items = realloc(v->items, (v->len + 1) * sizeof *items);
	if (items == NULL)
		return -1;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, (v->len + 1) * sizeof *keys);
		if (keys == NULL)
			return -1;
		v->keys = keys;
		keys[v->len] = key;
	}
	items[v->len++] = item;
	return 0;
}

/* An array or object; r->p is at its opening bracket. */
static struct json *
parse_container(struct reader *r, enum json_type type, char close)
{
	struct json	*v, *item;
	char		*key = NULL;
	size_t		 klen;

	if (++r->depth > JSON_DEPTH_MAX) {
		r->why = "nesting too deep";
		return NULL;
	}
	if ((v = new_value(type)) == NULL)
		return NULL;
	r->p++;
	skip_ws(r);
	if (*r->p == close) {
		r->p++;
		r->depth--;
		return v;
	}
	for (;;) {
		skip_ws(r);
		if (type == JSON_OBJECT) {
			if (*r->p != '"') {
				r->why = "expected a string key";
				goto fail;
			}
			if ((key = parse_string(r, &klen)) == NULL)
				goto fail;
			skip_ws(r);
			if (*r->p++ != ':') {
				r->why = "expected ':'";
				goto fail;
			}
		}
		if ((item = parse_value(r)) == NULL)
			goto fail;
		if (push(v, key, item) < 0) {
			json_free(item);
			goto fail;
		}
		key = NULL;
		skip_ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			break;
		}
		r->why = "expected ',' or a closing bracket";
		goto fail;
	}
	r->depth--;
	return v;
fail:
	free(key);
	json_free(v);
	return NULL;
}

static struct json *
parse_value(struct reader *r)
{
	struct json	*v;

	skip_ws(r);
	switch (*r->p) {
	case '{':
		return parse_container(r, JSON_OBJECT, '}');
	case '[':
		return parse_container(r, JSON_ARRAY, ']');
	case '"':
		if ((v = new_value(JSON_STRING)) == NULL)
			return NULL;
		if ((v->str = parse_string(r, &v->len)) == NULL) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
	case 'f':
		if (strncmp(r->p, "true", 4) == 0 ||
		    strncmp(r->p, "false", 5) == 0) {
			if ((v = new_value(JSON_BOOL)) == NULL)
				return NULL;
			v->b = *r->p == 't';
			r->p += v->b ? 4 : 5;
			return v;
		}
		break;
	case 'n':
		if (strncmp(r->p, "null", 4) == 0) {
			r->p += 4;
			return new_value(JSON_NULL);
		}
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return parse_number(r);
		break;
	}
	r->why = "unexpected character";
	return NULL;
}

/*
 * Parse text holding exactly one JSON value (whitespace around it is
 * allowed). The caller frees the result with json_free; NULL with *why
 * on a syntax error.
 */
struct json *
json_parse(const char *text, const char **why)
{
	struct reader	 r = { text, "out of memory", 0 };
	struct json	*v;

	if ((v = parse_value(&r)) == NULL)
		goto fail;
	skip_ws(&r);
	if (*r.p != '\0') {
		r.why = "trailing characters after the value";
		json_free(v);
		goto fail;
	}
	return v;
fail:
	if (why != NULL)
		*why = r.why;
	return NULL;
}

/* Free a tree from json_parse; NULL does nothing. */
void
json_free(struct json *v)
{
	size_t	i;

	if (v == NULL)
		return;
	if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
		for (i = 0; i < v->len; i++) {
			json_free(v->items[i]);
			if (v->keys != NULL)
				free(v->keys[i]);
		}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

/* The member of an object called key, or NULL; the tree owns it. */
const struct json *
json_get(const struct json *v, const char *key)
{
	size_t	i;

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->len; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

/*
 * Whether two values are equal: same type, numbers equal as doubles,
 * strings byte for byte, arrays element-wise, objects with the same set
 * of keys and equal members. Key order is not compared: JSON objects are
 * unordered (RFC 8259) and ES5 leaves enumeration order to the engine
 * (mujs enumerates in sorted order).
 */
int
json_equal(const struct json *a, const struct json *b)
{
	size_t	i;

	if (a == NULL || b == NULL || a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_NULL:
		return 1;
	case JSON_BOOL:
		return a->b == b->b;
	case JSON_NUMBER:
		return a->num == b->num;
	case JSON_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (a->len != b->len)
			return 0;
		for (i = 0; i < a->len; i++) {
			const struct json *bi = a->type == JSON_OBJECT ?
			    json_get(b, a->keys[i]) : b->items[i];

			if (!json_equal(a->items[i], bi))
				return 0;
		}
		return 1;
	}
	return 0;
}
